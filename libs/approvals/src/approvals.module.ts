import { NotificationsModule } from '@herald/notifications';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '@herald/auth';
import { ApprovalEntity, ApprovalStepEntity } from './approval.entity';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsGateway } from './approvals.gateway';
import { ApprovalsService } from './approvals.service';
import { ApprovalTimers } from './approval-timers';
import { ApprovalPoliciesController } from './policies/approval-policies.controller';
import { ApprovalPoliciesService } from './policies/approval-policies.service';

/** OA approvals over REST and the `approvals:decide` socket event. It records its events through NotificationsModule's DomainEvents. */
@Module({
  imports: [TypeOrmModule.forFeature([ApprovalEntity, ApprovalStepEntity]), AuthModule, NotificationsModule],
  controllers: [ApprovalsController, ApprovalPoliciesController],
  providers: [ApprovalsService, ApprovalsGateway, ApprovalPoliciesService, ApprovalTimers],
  exports: [ApprovalsService],
})
export class ApprovalsModule {}
