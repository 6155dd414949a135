import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackbeatError, isRetriable } from '../../common/errors/backbeat.error.js';
import { ClickHouseServerError, ErrorCode, engineError } from './clickhouse-protocol.js';

describe('ClickHouseServerError', () => {
  it("given a code the server raises, then a BackbeatError with code CLICKHOUSE_<NAME>, ClickHouse's numeric code and its HTTP status", () => {
    const e = new ClickHouseServerError(ErrorCode.ACCESS_DENIED, 'no');
    assert.ok(e instanceof BackbeatError);
    assert.equal(e.name, 'ClickHouseServerError');
    assert.equal(e.code, 'CLICKHOUSE_ACCESS_DENIED');
    assert.equal(e.errorCode, 497);
    assert.equal(e.httpStatus, 403);
    assert.equal(e.text, 'Code: 497. DB::Exception: no. (ACCESS_DENIED)');
    assert.equal(e.retriable, false);
  });

  it('given a busy server, then retriable; a bad query is not', () => {
    assert.equal(
      isRetriable(new ClickHouseServerError(ErrorCode.TOO_MANY_SIMULTANEOUS_QUERIES, 'busy')),
      true,
    );
    assert.equal(isRetriable(new ClickHouseServerError(ErrorCode.SYNTAX_ERROR, 'bad')), false);
    assert.equal(
      new ClickHouseServerError(ErrorCode.UNKNOWN_EXCEPTION, 'x', { retriable: true }).retriable,
      true,
    );
  });

  it('given an engine error, then its own code, name and text are kept', () => {
    const e = engineError(
      new Error('Code: 60. DB::Exception: Unknown table x. (UNKNOWN_TABLE) (version 26.7.2.1)'),
    );
    assert.equal(e.errorCode, 60);
    assert.equal(e.type, 'UNKNOWN_TABLE');
    assert.equal(e.code, 'CLICKHOUSE_UNKNOWN_TABLE');
    assert.equal(e.httpStatus, 404);
    assert.equal(
      e.text,
      'Code: 60. DB::Exception: Unknown table x. (UNKNOWN_TABLE) (version 26.7.2.1)',
    );
    assert.equal(engineError(e), e);
    const plain = engineError('boom');
    assert.equal(plain.errorCode, ErrorCode.UNKNOWN_EXCEPTION);
    assert.equal(plain.httpStatus, 500);
  });
});
