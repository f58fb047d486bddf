import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserDto } from '@herald/contracts';
import { ApiErrors, ParseIdPipe } from '@herald/common';
import { UserResponse } from '../dto/auth-responses';
import { CreateUserDto, UpdateUserDto } from '../dto/auth.dto';
import { Roles } from '../guards/decorators';
import { toUserDto } from './user.entity';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@ApiErrors(401, 403, 503)
@Roles('admin')
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'Every user (admin)' })
  @ApiOkResponse({ type: [UserResponse] })
  async list(): Promise<UserDto[]> {
    return (await this.users.list()).map(toUserDto);
  }

  @Post()
  @ApiOperation({ summary: 'Create a user (admin)' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiErrors(400, 409)
  async create(@Body() body: CreateUserDto): Promise<UserDto> {
    return toUserDto(await this.users.create(body));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change display name, roles, password or disabled (admin)' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(400, 404)
  async update(@Param('id', ParseIdPipe) id: string, @Body() body: UpdateUserDto): Promise<UserDto> {
    return toUserDto(await this.users.update(id, body));
  }
}
