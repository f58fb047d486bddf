import { CreateUsersAndRefreshTokens1763770000000 } from './1763770000000-CreateUsersAndRefreshTokens';

/** Every migration, oldest first. A new migration is added at the end of this list. */
export const MIGRATIONS = [CreateUsersAndRefreshTokens1763770000000];
