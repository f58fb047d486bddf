import { RefreshTokenEntity, UserEntity } from '@herald/auth';
import { ApprovalEntity, ApprovalStepEntity } from '@herald/approvals';
import { OrderEntity, OrderItemEntity } from '@herald/orders';
import { MIGRATIONS } from '../../../migrations';

/** Every entity of every library: the composition root is the one place that knows them all. */
export const ENTITIES = [UserEntity, RefreshTokenEntity, OrderEntity, OrderItemEntity, ApprovalEntity, ApprovalStepEntity];

export { MIGRATIONS };
