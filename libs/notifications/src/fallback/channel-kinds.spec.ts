import { acceptedBy, ChannelConfigError, maskChannelConfig, robotRequest, validateChannelConfig } from './channel-kinds';

const message = { notification: { id: '7', type: 'stock.low', title: 'Stock low', body: '3 left', data: {}, createdAt: '2026-12-02T00:00:00.000Z' }, unread: 2 };

describe('channel kinds', () => {
  it('reads the vendors\' errors in an HTTP 200 as failures', () => {
    expect(acceptedBy('dingtalk', 200, '{"errcode":0,"errmsg":"ok"}')).toEqual({ ok: true });
    expect(acceptedBy('dingtalk', 200, '{"errcode":310000,"errmsg":"sign not match"}')).toEqual({ ok: false, reason: 'dingtalk refused it: errcode 310000 (sign not match)' });
    expect(acceptedBy('wecom', 200, '{"errcode":93000,"errmsg":"invalid webhook url"}').ok).toBe(false);
    expect(acceptedBy('feishu', 200, '{"code":0,"msg":"success","data":{}}')).toEqual({ ok: true });
    expect(acceptedBy('feishu', 200, '{"StatusCode":0,"StatusMessage":"success"}')).toEqual({ ok: true });
    expect(acceptedBy('feishu', 200, '{"code":19021,"msg":"sign match fail"}').ok).toBe(false);
    expect(acceptedBy('feishu', 200, '<html>').ok).toBe(false);
    expect(acceptedBy('webhook', 204, '')).toEqual({ ok: true });
    expect(acceptedBy('webhook', 500, 'down').ok).toBe(false);
  });

  it('signs DingTalk in the URL (ms timestamp) and Feishu in the body (s timestamp), as the vendors document', () => {
    const now = 1_796_000_000_123;
    const ding = new URL(robotRequest('dingtalk', { url: 'https://oapi.dingtalk.com/robot/send?access_token=t', secret: 'SECx' }, message, now).url);
    expect(ding.searchParams.get('timestamp')).toBe(String(now));
    expect(ding.searchParams.get('access_token')).toBe('t');
    const feishu = JSON.parse(robotRequest('feishu', { url: 'https://open.feishu.cn/open-apis/bot/v2/hook/h', secret: 's' }, message, now).body);
    expect(feishu.timestamp).toBe('1796000000');
    // Unsigned robots carry no signature fields.
    expect(new URL(robotRequest('dingtalk', { url: 'https://oapi.dingtalk.com/robot/send?access_token=t' }, message, now).url).searchParams.has('sign')).toBe(false);
    expect(JSON.parse(robotRequest('feishu', { url: 'https://open.feishu.cn/open-apis/bot/v2/hook/h' }, message, now).body)).not.toHaveProperty('sign');
  });

  it('masks secrets and the tokens inside URLs', () => {
    expect(maskChannelConfig('dingtalk', { url: 'https://oapi.dingtalk.com/robot/send?access_token=abc', secret: 'SECabc' })).toEqual({
      url: 'https://oapi.dingtalk.com/robot/send?access_token=********',
      secret: '********',
    });
    expect(maskChannelConfig('feishu', { url: 'https://open.feishu.cn/open-apis/bot/v2/hook/abc-def' }).url).toBe('https://open.feishu.cn/open-apis/bot/v2/hook/********');
    expect(maskChannelConfig('email', { smtpUrl: 'smtp://user:pw@mail.example.com:587', from: 'a@b.c' })).toEqual({ smtpUrl: 'smtp://user:********@mail.example.com:587', from: 'a@b.c' });
  });

  it('validates each kind and names the field', () => {
    const field = (kind: Parameters<typeof validateChannelConfig>[0], config: unknown) => {
      try {
        validateChannelConfig(kind, config);
        return 'ok';
      } catch (err) {
        return (err as ChannelConfigError).field;
      }
    };
    expect(field('webhook', { url: 'https://x.example/h', secret: '0123456789abcdef' })).toBe('ok');
    expect(field('webhook', { url: 'javascript:alert(1)', secret: '0123456789abcdef' })).toBe('config.url');
    expect(field('wecom', { url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', secret: 's' })).toBe('config.secret');
    expect(field('email', {})).toBe('ok');
    expect(field('email', { from: 'Herald <h@x.example>\r\nBcc: evil@x.example' })).toBe('config.from');
  });
});
