export * from './orders.module';
export * from './orders.service';
export * from './order.entity';
export * from './order-rules';
export * from './money';
export * from './dto/order.dto';
