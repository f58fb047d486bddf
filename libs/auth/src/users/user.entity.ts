import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Role, UserDto } from '@herald/contracts';

// Written as PostgreSQL prints it back, so that migration:generate sees no difference.
@Check('users_roles_known', `(roles <@ ARRAY['admin'::text, 'manager'::text, 'sales'::text, 'warehouse'::text, 'finance'::text, 'staff'::text])`)
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** Unique regardless of case: see the `users_username_lower_key` index in the migration. */
  @Index('users_username_lower_key', { synchronize: false })
  @Column({ type: 'varchar', length: 64 })
  username!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 128 })
  displayName!: string;

  @Column({ name: 'password_hash', type: 'text', select: false })
  passwordHash!: string;

  @Index('users_roles_idx', { synchronize: false })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  roles!: Role[];

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  /** Where fallback emails go (issue 13); null when the user has none. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  /** Bumped on logout, disable, password change and refresh-token reuse: older access tokens stop working. */
  @Column({ name: 'session_epoch', type: 'integer', default: 0 })
  sessionEpoch!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

export function toUserDto(user: UserEntity): UserDto {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    roles: [...user.roles],
    disabled: user.disabled,
    email: user.email ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
