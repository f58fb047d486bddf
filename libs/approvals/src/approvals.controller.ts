import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '@herald/auth';
import { ApiErrors, ParseIdPipe } from '@herald/common';
import { ApprovalPageResponse, ApprovalResponse, ApproverOptionResponse, TodoCountResponse } from './dto/approval-responses';
import type { ApprovalDto, ApproverOption } from '@herald/contracts';
import { ApprovalPage, ApprovalsService } from './approvals.service';
import { CreateApprovalDto, DecisionDto, ListApprovalsQuery, WithdrawDto } from './dto/approval.dto';

/** Any signed-in user may apply; who may see and decide is checked per request in the service. */
@ApiTags('approvals')
@ApiBearerAuth()
@ApiErrors(400, 401, 403, 503)
@Controller('api/approvals')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Post()
  @ApiOperation({ summary: 'Submit a request; its steps run in the order of approverIds (managers or admins)' })
  @ApiCreatedResponse({ type: ApprovalResponse })
  submit(@CurrentUser() user: AuthUser, @Body() body: CreateApprovalDto): Promise<ApprovalDto> {
    return this.approvals.submit(user, body);
  }

  @Get()
  @ApiOperation({ summary: 'mine: I applied; todo: waiting for my decision; all: every request (admins)' })
  @ApiOkResponse({ type: ApprovalPageResponse })
  list(@CurrentUser() user: AuthUser, @Query() query: ListApprovalsQuery): Promise<ApprovalPage> {
    return this.approvals.list(user, query);
  }

  @Get('todo-count')
  @ApiOperation({ summary: 'How many requests wait for my decision (the same rule as box=todo), for the to-do badge' })
  @ApiOkResponse({ type: TodoCountResponse })
  todoCount(@CurrentUser() user: AuthUser): Promise<TodoCountResponse> {
    return this.approvals.todoCount(user);
  }

  @Get('approvers')
  @ApiOperation({ summary: 'Who may be chosen as an approver: active managers and admins other than the caller' })
  @ApiOkResponse({ type: [ApproverOptionResponse] })
  approvers(@CurrentUser() user: AuthUser): Promise<ApproverOption[]> {
    return this.approvals.approverOptions(user);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One request: for its applicant, its approvers and admins' })
  @ApiOkResponse({ type: ApprovalResponse })
  @ApiErrors(404)
  get(@CurrentUser() user: AuthUser, @Param('id', ParseIdPipe) id: string): Promise<ApprovalDto> {
    return this.approvals.get(user, id);
  }

  @Post(':id/decision')
  @HttpCode(200)
  @ApiOperation({ summary: "Approve or reject the current step (its approver, or an admin in the approver's place)" })
  @ApiOkResponse({ type: ApprovalResponse })
  @ApiErrors(404, 409)
  decide(@CurrentUser() user: AuthUser, @Param('id', ParseIdPipe) id: string, @Body() body: DecisionDto): Promise<ApprovalDto> {
    return this.approvals.decide(user, id, body);
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw a pending request (its applicant)' })
  @ApiOkResponse({ type: ApprovalResponse })
  @ApiErrors(404, 409)
  withdraw(@CurrentUser() user: AuthUser, @Param('id', ParseIdPipe) id: string, @Body() body: WithdrawDto): Promise<ApprovalDto> {
    return this.approvals.withdraw(user, id, body.version);
  }
}
