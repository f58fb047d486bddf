export * from './approvals.module';
export * from './approvals.service';
export * from './approvals.gateway';
export * from './approval.entity';
export * from './dto/approval.dto';
