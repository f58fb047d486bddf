import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@herald/auth';
import { ApiErrors } from '@herald/common';
import { APPROVAL_KINDS, type ApprovalKind, type ApprovalPolicyDto } from '@herald/contracts';
import { ApprovalPoliciesService } from './approval-policies.service';
import { ApprovalPolicyResponse, ParseApprovalKindPipe, PutApprovalPolicyDto } from './approval-policy.dto';

const KIND_PARAM = { name: 'kind', enum: APPROVAL_KINDS, description: 'The approval kind the policy is for' };

@ApiTags('admin')
@ApiBearerAuth()
@ApiErrors(400, 401, 403, 503)
@Roles('admin')
@Controller('api/admin/approval-policies')
export class ApprovalPoliciesController {
  constructor(private readonly policies: ApprovalPoliciesService) {}

  @Get()
  @ApiOperation({ summary: 'The reminder and escalation policy of every approval kind (admin)' })
  @ApiOkResponse({ type: [ApprovalPolicyResponse] })
  list(): Promise<ApprovalPolicyDto[]> {
    return this.policies.list();
  }

  @Get(':kind')
  @ApiOperation({ summary: 'The reminder and escalation policy of one approval kind (admin)' })
  @ApiParam(KIND_PARAM)
  @ApiOkResponse({ type: ApprovalPolicyResponse })
  get(@Param('kind', ParseApprovalKindPipe) kind: ApprovalKind): Promise<ApprovalPolicyDto> {
    return this.policies.get(kind);
  }

  @Put(':kind')
  @ApiOperation({
    summary: 'Set when a waiting step reminds its approver and when it escalates, and to whom (admin); applies to steps that start waiting from now on',
  })
  @ApiParam(KIND_PARAM)
  @ApiOkResponse({ type: ApprovalPolicyResponse })
  put(@CurrentUser() user: AuthUser, @Param('kind', ParseApprovalKindPipe) kind: ApprovalKind, @Body() body: PutApprovalPolicyDto): Promise<ApprovalPolicyDto> {
    return this.policies.put(user, kind, body);
  }
}
