import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import type { Role } from '@herald/contracts';
import { ADVISORY_LOCKS } from '@herald/database';
import { RefreshTokenService } from '../tokens/refresh-token.service';
import { SessionEvents } from '../session-events';
import { hashPassword } from './password';
import { UserEntity } from './user.entity';

export interface NewUser {
  username: string;
  password: string;
  displayName?: string;
  roles: Role[];
  email?: string;
}

export interface UserChanges {
  displayName?: string;
  roles?: Role[];
  disabled?: boolean;
  password?: string;
  email?: string | null;
}

const UNIQUE_VIOLATION = '23505';
const LAST_ADMIN_LOCK_KEY = ADVISORY_LOCKS.lastAdmin;

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly refreshTokens: RefreshTokenService,
    private readonly sessions: SessionEvents,
  ) {}

  private repo(manager: EntityManager = this.db.manager) {
    return manager.getRepository(UserEntity);
  }

  findById(id: string): Promise<UserEntity | null> {
    if (!/^\d{1,19}$/.test(id)) return Promise.resolve(null);
    return this.repo().findOne({ where: { id } });
  }

  /** Case-insensitive; includes the password hash, for login only. */
  findForLogin(username: string): Promise<UserEntity | null> {
    return this.repo()
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.username) = lower(:username)', { username })
      .getOne();
  }

  list(): Promise<UserEntity[]> {
    return this.repo().find({ order: { id: 'ASC' } });
  }

  async create(input: NewUser, manager?: EntityManager): Promise<UserEntity> {
    // Checked first so the common case logs no failed query; the unique index still decides races.
    const taken = await this.repo(manager).createQueryBuilder('u').where('lower(u.username) = lower(:name)', { name: input.username }).getExists();
    if (taken) throw this.usernameTaken(input.username);
    const user = this.repo(manager).create({
      username: input.username,
      displayName: input.displayName?.trim() || input.username,
      passwordHash: await hashPassword(input.password),
      roles: [...new Set(input.roles)],
      disabled: false,
      email: input.email ?? null,
    });
    try {
      const saved = await this.repo(manager).save(user);
      return (await this.repo(manager).findOneByOrFail({ id: saved.id }));
    } catch (err) {
      if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
        throw this.usernameTaken(input.username);
      }
      throw err;
    }
  }

  private usernameTaken(username: string): ConflictException {
    return new ConflictException({ message: `The username "${username}" is taken (usernames are case-insensitive).`, code: 'username_taken' });
  }

  /**
   * Applies an admin's changes. Disabling or a new password ends the user's sessions (refresh tokens
   * revoked, access tokens refused, sockets closed); a role change re-evaluates live sockets' rooms.
   */
  async update(id: string, changes: UserChanges): Promise<UserEntity> {
    if (!/^\d{1,19}$/.test(id)) throw new NotFoundException(`No user with id ${id}.`);
    // Hash before the transaction: scrypt takes ~100 ms and must not run while row or advisory locks are held.
    const passwordHash = changes.password !== undefined ? await hashPassword(changes.password) : undefined;
    const { user, event } = await this.db.transaction(async (manager) => {
      const current = await this.repo(manager).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw new NotFoundException(`No user with id ${id}.`);
      const patch: Partial<UserEntity> = {};
      let endSessions = false;
      if (changes.displayName !== undefined) patch.displayName = changes.displayName.trim();
      if (changes.email !== undefined) patch.email = changes.email;
      const rolesChanged =
        changes.roles !== undefined && [...new Set(changes.roles)].sort().join() !== [...current.roles].sort().join();
      if (rolesChanged) patch.roles = [...new Set(changes.roles!)];
      if (changes.disabled !== undefined && changes.disabled !== current.disabled) {
        patch.disabled = changes.disabled;
        endSessions ||= changes.disabled;
      }
      const losesAdmin =
        current.roles.includes('admin') && !current.disabled && (patch.disabled === true || (patch.roles !== undefined && !patch.roles.includes('admin')));
      if (losesAdmin) {
        // Row locks alone let two admins demote each other at once; serialise every "admin lost" check.
        await manager.query('SELECT pg_advisory_xact_lock($1)', [LAST_ADMIN_LOCK_KEY]);
        const [{ n }] = await manager.query(`SELECT count(*)::int AS n FROM users WHERE 'admin' = ANY(roles) AND NOT disabled`);
        if (n <= 1) throw new ConflictException({ message: 'This is the last active admin; make another user admin first.', code: 'last_admin' });
      }
      if (passwordHash !== undefined) {
        patch.passwordHash = passwordHash;
        endSessions = true;
      }
      if (endSessions) {
        patch.sessionEpoch = current.sessionEpoch + 1;
        await this.refreshTokens.revokeAllOfUser(id, manager);
      }
      if (Object.keys(patch).length) await this.repo(manager).update({ id }, patch);
      const kind: 'disabled' | 'revoked' | 'roles_changed' | undefined = patch.disabled
        ? 'disabled'
        : endSessions
          ? 'revoked'
          : rolesChanged
            ? 'roles_changed'
            : undefined;
      // Carried to every instance on commit, in the same transaction as the change itself.
      if (kind) await this.sessions.record(manager, { userId: id, kind });
      return { user: await this.repo(manager).findOneByOrFail({ id }), event: kind };
    });
    if (event) this.sessions.publish({ userId: id, kind: event });
    return user;
  }

  /** Ends every session of the user: refresh tokens revoked, current access tokens refused. */
  async endAllSessions(userId: string, manager: EntityManager = this.db.manager): Promise<void> {
    await this.refreshTokens.revokeAllOfUser(userId, manager);
    await manager.query(`UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1`, [userId]);
  }

  countAdmins(): Promise<number> {
    return this.repo()
      .createQueryBuilder('u')
      .where(`'admin' = ANY(u.roles)`)
      .andWhere('u.disabled = false')
      .getCount();
  }
}
