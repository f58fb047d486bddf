export * from './orders.module';
export * from './orders.service';
export * from './order.entity';
export * from './dto/order.dto';
