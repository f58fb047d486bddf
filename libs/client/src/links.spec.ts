import { sameOriginPath } from './links';

describe('sameOriginPath', () => {
  const origin = 'https://herald.example.com';

  it('follows paths and absolute links of the same origin, normalised', () => {
    expect(sameOriginPath('/orders/12', origin)).toBe('/orders/12');
    expect(sameOriginPath('/approvals?box=todo#top', origin)).toBe('/approvals?box=todo#top');
    expect(sameOriginPath('https://herald.example.com/inbox', origin)).toBe('/inbox');
    expect(sameOriginPath('/orders/../users', origin)).toBe('/users');
    expect(sameOriginPath('orders/12', `${origin}/some/page`)).toBe('/orders/12'); // relative to the root, not the page
  });

  it.each([
    'javascript:alert(1)',
    ' javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    '//evil.example/orders',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    'https://other.example/',
    'http://herald.example.com/inbox', // another scheme is another origin
    'https://herald.example.com:8443/',
    'https://herald.example.com.evil.example/',
    'https://user@evil.example/',
    'http://[::1',
    '',
    '   ',
  ])('does not follow %j', (link) => {
    expect(sameOriginPath(link, origin)).toBeNull();
  });

  it('does not follow what is not a string', () => {
    for (const link of [undefined, null, 12, { href: '/x' }, ['/x']]) expect(sameOriginPath(link, origin)).toBeNull();
  });
});
