import { HttpException, Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import type { Socket } from 'socket.io';
import { AuthUser, UsersService } from '@herald/auth';
import type { Ack, AckErrorCode, ApprovalDto } from '@herald/contracts';
import { ApprovalsService } from './approvals.service';
import { DecideSocketDto } from './dto/approval.dto';

const CODE_OF_STATUS: Record<number, AckErrorCode> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 429: 'rate_limited' };

/** "field: what is wrong", like the HTTP ValidationPipe answers. */
function describeErrors(errors: ValidationError[]): string {
  return errors
    .flatMap((e) =>
      Object.entries(e.constraints ?? {}).map(([rule, msg]) =>
        rule === 'whitelistValidation' ? `${e.property}: unknown field` : `${e.property}: ${msg.startsWith(`${e.property} `) ? msg.slice(e.property.length + 1) : msg}`,
      ),
    )
    .join('; ');
}

/**
 * `approvals:decide` over the socket: validates the payload itself (HTTP's ValidationPipe does not
 * run here), decides through the same ApprovalsService as REST and always answers through the ack.
 */
@WebSocketGateway()
export class ApprovalsGateway {
  private readonly log = new Logger(ApprovalsGateway.name);

  constructor(
    private readonly approvals: ApprovalsService,
    private readonly users: UsersService,
  ) {}

  @SubscribeMessage('approvals:decide')
  async decide(@ConnectedSocket() client: Socket, @MessageBody() payload: unknown): Promise<Ack<{ approval: ApprovalDto }>> {
    try {
      const user = await this.currentUser(client.data?.user as AuthUser | undefined);
      if (!user) return { ok: false, error: { code: 'unauthorized', message: 'This socket is not signed in (or the account is disabled); reconnect with a valid token.' } };
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        return { ok: false, error: { code: 'bad_request', message: 'Send {id, decision, comment?, version}.' } };
      }
      const input = plainToInstance(DecideSocketDto, payload);
      const errors = await validate(input, { whitelist: true, forbidNonWhitelisted: true });
      if (errors.length) return { ok: false, error: { code: 'bad_request', message: describeErrors(errors) } };
      const approval = await this.approvals.decide(user, input.id, { decision: input.decision, comment: input.comment, version: input.version });
      return { ok: true, approval };
    } catch (err) {
      if (err instanceof HttpException) {
        const body = err.getResponse();
        const message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? err.message);
        return { ok: false, error: { code: CODE_OF_STATUS[err.getStatus()] ?? 'internal', message } };
      }
      this.log.error({ err }, 'approvals:decide failed');
      return { ok: false, error: { code: 'internal', message: 'Internal error; try again.' } };
    }
  }

  /** Roles as the database has them now, like the HTTP guard: a demotion since connecting counts at once. */
  private async currentUser(connected: AuthUser | undefined): Promise<AuthUser | null> {
    if (!connected) return null;
    const user = await this.users.findById(connected.id);
    if (!user || user.disabled) return null;
    return { ...connected, displayName: user.displayName, roles: user.roles };
  }
}
