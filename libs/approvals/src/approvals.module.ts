import { NotificationsModule } from '@herald/notifications';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '@herald/auth';
import { ApprovalEntity, ApprovalStepEntity } from './approval.entity';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsGateway } from './approvals.gateway';
import { ApprovalsService } from './approvals.service';

/** OA approvals over REST and the `approvals:decide` socket event. It records its events through NotificationsModule's DomainEvents. */
@Module({
  imports: [TypeOrmModule.forFeature([ApprovalEntity, ApprovalStepEntity]), AuthModule, NotificationsModule],
  controllers: [ApprovalsController],
  providers: [ApprovalsService, ApprovalsGateway],
  exports: [ApprovalsService],
})
export class ApprovalsModule {}
