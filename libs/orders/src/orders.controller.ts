import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@herald/auth';
import { ParseIdPipe } from '@herald/common';
import type { OrderDto, OrderPage } from '@herald/contracts';
import { CreateOrderDto, ListOrdersQuery, TransitionOrderDto, UpdateOrderDto } from './dto/order.dto';
import { OrdersService } from './orders.service';

/** Everything here is for the members of the `orders` room; staff and managers get 403. */
@ApiTags('orders')
@ApiBearerAuth()
@Roles('sales', 'warehouse', 'finance', 'admin')
@Controller('api/orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @Roles('sales', 'admin')
  @ApiOperation({ summary: 'Create an order (sales, admin); the caller becomes its owner' })
  create(@CurrentUser() user: AuthUser, @Body() body: CreateOrderDto): Promise<OrderDto> {
    return this.orders.create(user, body);
  }

  @Get()
  @ApiOperation({ summary: 'Orders, newest first, filtered by status and owner, one page at a time' })
  list(@Query() query: ListOrdersQuery): Promise<OrderPage> {
    return this.orders.list(query);
  }

  @Get(':id')
  get(@Param('id', ParseIdPipe) id: string): Promise<OrderDto> {
    return this.orders.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Edit customer, items or note while the order is created (its sales owner, admin)' })
  update(@CurrentUser() user: AuthUser, @Param('id', ParseIdPipe) id: string, @Body() body: UpdateOrderDto): Promise<OrderDto> {
    return this.orders.update(user, id, body);
  }

  @Post(':id/transition')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move the order: paid (finance), shipped/delivered (warehouse), cancelled (owner); admins do all' })
  transition(@CurrentUser() user: AuthUser, @Param('id', ParseIdPipe) id: string, @Body() body: TransitionOrderDto): Promise<OrderDto> {
    return this.orders.transition(user, id, body.to, body.version);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an order that is still created (admin)' })
  async remove(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.orders.remove(id);
  }
}
