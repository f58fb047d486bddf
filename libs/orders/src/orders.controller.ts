import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '@herald/auth';
import { ApiErrors, ParseIdPipe } from '@herald/common';
import { OrderPageResponse, OrderResponse } from './dto/order-responses';
import type { OrderDto, OrderPage } from '@herald/contracts';
import { CreateOrderDto, ListOrdersQuery, TransitionOrderDto, UpdateOrderDto } from './dto/order.dto';
import { OrdersService } from './orders.service';

/** Everything here is for the members of the `orders` room; staff and managers get 403. */
@ApiTags('orders')
@ApiBearerAuth()
@ApiErrors(400, 401, 403, 503)
@Roles('sales', 'warehouse', 'finance', 'admin')
@Controller('api/orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @Roles('sales', 'admin')
  @ApiOperation({ summary: 'Create an order (sales, admin); the caller becomes its owner' })
  @ApiCreatedResponse({ type: OrderResponse })
  create(@CurrentUser() user: AuthUser, @Body() body: CreateOrderDto): Promise<OrderDto> {
    return this.orders.create(user, body);
  }

  @Get()
  @ApiOperation({ summary: 'Orders, newest first, filtered by status and owner, one page at a time' })
  @ApiOkResponse({ type: OrderPageResponse })
  list(@Query() query: ListOrdersQuery): Promise<OrderPage> {
    return this.orders.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One order' })
  @ApiOkResponse({ type: OrderResponse })
  @ApiErrors(404)
  get(@Param('id', ParseIdPipe) id: string): Promise<OrderDto> {
    return this.orders.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Edit customer, items or note while the order is created (its sales owner, admin)' })
  @ApiOkResponse({ type: OrderResponse })
  @ApiErrors(404, 409)
  update(@CurrentUser() user: AuthUser, @Param('id', ParseIdPipe) id: string, @Body() body: UpdateOrderDto): Promise<OrderDto> {
    return this.orders.update(user, id, body);
  }

  @Post(':id/transition')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move the order: paid (finance), shipped/delivered (warehouse), cancelled (owner); admins do all' })
  @ApiOkResponse({ type: OrderResponse })
  @ApiErrors(404, 409)
  transition(@CurrentUser() user: AuthUser, @Param('id', ParseIdPipe) id: string, @Body() body: TransitionOrderDto): Promise<OrderDto> {
    return this.orders.transition(user, id, body.to, body.version);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an order that is still created (admin)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(404, 409)
  async remove(@Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.orders.remove(id);
  }
}
