import { CreateUsersAndRefreshTokens1763770000000 } from './1763770000000-CreateUsersAndRefreshTokens';
import { CreateNotifications1763780000000 } from './1763780000000-CreateNotifications';
import { CreateOrders1763790000000 } from './1763790000000-CreateOrders';
import { CreateApprovals1763800000000 } from './1763800000000-CreateApprovals';
import { OutboxRetrySchedule1764600000000 } from './1764600000000-OutboxRetrySchedule';
import { StreamTicketSessions1764610000000 } from './1764610000000-StreamTicketSessions';
import { NotificationActor1764700000000 } from './1764700000000-NotificationActor';
import { StreamTicketSessionIds1764710000000 } from './1764710000000-StreamTicketSessionIds';
import { FallbackChannels1764730000000 } from './1764730000000-FallbackChannels';
import { DurableTimersAndApprovalPolicies1764720000000 } from './1764720000000-DurableTimersAndApprovalPolicies';
import { NotificationFollowUp1764740000000 } from './1764740000000-NotificationFollowUp';

/** Every migration, oldest first. A new migration is added at the end of this list. */
export const MIGRATIONS = [
  CreateUsersAndRefreshTokens1763770000000,
  CreateNotifications1763780000000,
  CreateOrders1763790000000,
  CreateApprovals1763800000000,
  OutboxRetrySchedule1764600000000,
  StreamTicketSessions1764610000000,
  NotificationActor1764700000000,
  StreamTicketSessionIds1764710000000,
  DurableTimersAndApprovalPolicies1764720000000,
  FallbackChannels1764730000000,
  NotificationFollowUp1764740000000,
];
