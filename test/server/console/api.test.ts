import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, apiPath, errorFrom, errorText } from '../../../src/server/console/static/api.js';

describe('console API client: requests and errors', () => {
  it('encodes each path segment and leaves out empty query values', () => {
    assert.equal(apiPath(['devices', 'a/b?c#d', 'resync']), '/api/v1/devices/a%2Fb%3Fc%23d/resync');
    assert.equal(
      apiPath(['documents', 'X', 'devices'], { status: 'error', after: undefined, limit: 1000, type: '' }),
      '/api/v1/documents/X/devices?status=error&limit=1000',
    );
  });

  it('keeps the API error code and message, and names other failures by their HTTP status', () => {
    const e = errorFrom(401, '{"error":{"code":"AUTH_INVALID","message":"the token is unknown"}}');
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 'AUTH_INVALID');
    assert.equal(e.isAuth, true);
    assert.equal(errorText(e), 'AUTH_INVALID: the token is unknown (HTTP 401)');
    const proxy = errorFrom(502, '<html>Bad gateway</html>');
    assert.equal(proxy.code, 'HTTP_502');
    assert.equal(proxy.isAuth, false);
    assert.equal(errorFrom(500, '').message, 'the server answered HTTP 500');
    assert.equal(errorText(new ApiError(0, 'NETWORK', 'down')), 'NETWORK: down');
  });
});
