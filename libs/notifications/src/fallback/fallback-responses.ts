import { ApiProperty } from '@nestjs/swagger';
import { CHANNEL_KINDS, type ChannelKind } from './channel-kinds';
import { DELIVERY_STATUSES, type ChannelDto, type DeliveryDto, type DeliveryPageDto, type DeliveryStatus, type FallbackDefaultView } from './fallback.dto';

/** Response shapes of the fallback admin routes, as classes for the OpenAPI document. */
export class ChannelResponse implements ChannelDto {
  @ApiProperty({ example: '3' }) id!: string;
  @ApiProperty({ enum: CHANNEL_KINDS }) kind!: ChannelKind;
  @ApiProperty({ example: 'ops-dingtalk' }) name!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { url: 'https://oapi.dingtalk.com/robot/send?access_token=********', secret: '********' }, description: 'Secrets and URL tokens masked' })
  config!: Record<string, string>;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class FallbackDefaultResponse implements FallbackDefaultView {
  @ApiProperty({ example: 'order.paid' }) type!: string;
  @ApiProperty({ example: 900 }) after!: number;
  @ApiProperty({ type: [String], example: ['email'] }) channels!: string[];
}

export class DeliveryResponse implements DeliveryDto {
  @ApiProperty({ example: '12' }) id!: string;
  @ApiProperty({ example: '42' }) notificationId!: string;
  @ApiProperty({ type: String, nullable: true, description: 'null for email over SMTP_URL' }) channelId!: string | null;
  @ApiProperty({ enum: CHANNEL_KINDS }) channelKind!: ChannelKind;
  @ApiProperty({ example: 'email' }) channelName!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The recipient user (email); null for a group robot or webhook' }) userId!: string | null;
  @ApiProperty({ example: 'alice@example.com', description: 'Email address, or the channel name' }) recipient!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'Group robots: recipients still unread when it was sent' }) unreadCount!: number | null;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: DeliveryStatus;
  @ApiProperty({ example: 1 }) attempts!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextAttemptAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: "Held by the recipient's quiet hours until then" }) heldUntil!: string | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'HTTP status (robots, webhooks) or SMTP code' }) remoteStatus!: number | null;
  @ApiProperty({ type: String, nullable: true, description: "The remote's answer, first 1000 characters" }) remoteAnswer!: string | null;
  @ApiProperty({ type: String, nullable: true }) parkedReason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) sentAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class DeliveryPageResponse implements DeliveryPageDto {
  @ApiProperty({ type: [DeliveryResponse] }) items!: DeliveryResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
