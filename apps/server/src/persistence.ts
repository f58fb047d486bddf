import { RefreshTokenEntity, UserEntity } from '@herald/auth';
import { MIGRATIONS } from '../../../migrations';

/** Every entity of every library: the composition root is the one place that knows them all. */
export const ENTITIES = [UserEntity, RefreshTokenEntity];

export { MIGRATIONS };
