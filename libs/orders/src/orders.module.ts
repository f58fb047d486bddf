import { NotificationsModule } from '@herald/notifications';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrderEntity, OrderItemEntity } from './order.entity';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

/** ERP orders. It records its events through NotificationsModule's DomainEvents. */
@Module({
  imports: [TypeOrmModule.forFeature([OrderEntity, OrderItemEntity]), NotificationsModule],
  controllers: [OrdersController],
  providers: [OrdersService],
  exports: [OrdersService],
})
export class OrdersModule {}
