export * from './orders.module';
export * from './orders.service';
export * from './order.entity';
export * from './order-rules';
export * from './dto/order.dto';
