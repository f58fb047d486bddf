import { canMove, editRefusal, transitionRefusal } from './order-rules';

describe('order rules', () => {
  it('allows exactly the forward path and cancelling from created or paid', () => {
    expect(canMove('created', 'paid')).toBe(true);
    expect(canMove('paid', 'shipped')).toBe(true);
    expect(canMove('shipped', 'delivered')).toBe(true);
    expect(canMove('created', 'cancelled')).toBe(true);
    expect(canMove('paid', 'cancelled')).toBe(true);
    expect(canMove('created', 'shipped')).toBe(false);
    expect(canMove('shipped', 'cancelled')).toBe(false);
    expect(canMove('delivered', 'cancelled')).toBe(false);
    expect(canMove('cancelled', 'paid')).toBe(false);
    expect(canMove('paid', 'paid')).toBe(false);
  });

  it('gives each transition to its department, cancelling to the owner, all to admins', () => {
    const order = { ownerId: '2' };
    expect(transitionRefusal({ id: '6', roles: ['finance'] }, order, 'paid')).toBeNull();
    expect(transitionRefusal({ id: '3', roles: ['warehouse'] }, order, 'paid')).toMatch(/finance/);
    expect(transitionRefusal({ id: '3', roles: ['warehouse'] }, order, 'shipped')).toBeNull();
    expect(transitionRefusal({ id: '6', roles: ['finance'] }, order, 'delivered')).toMatch(/warehouse/);
    expect(transitionRefusal({ id: '2', roles: ['sales'] }, order, 'cancelled')).toBeNull();
    expect(transitionRefusal({ id: '7', roles: ['sales'] }, order, 'cancelled')).toMatch(/owner/);
    expect(transitionRefusal({ id: '1', roles: ['admin'] }, order, 'delivered')).toBeNull();
  });

  it('lets sales edit only their own orders', () => {
    expect(editRefusal({ id: '2', roles: ['sales'] }, { ownerId: '2' })).toBeNull();
    expect(editRefusal({ id: '7', roles: ['sales'] }, { ownerId: '2' })).not.toBeNull();
    expect(editRefusal({ id: '2', roles: ['warehouse'] }, { ownerId: '2' })).not.toBeNull();
    expect(editRefusal({ id: '1', roles: ['admin'] }, { ownerId: '2' })).toBeNull();
  });
});
