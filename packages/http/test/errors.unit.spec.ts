import {
  AppendTooLargeError,
  InvalidPositionError,
  Position,
  StoreUnavailableError,
  StreamDeletedError,
  WrongExpectedRevisionError,
} from '@lrs/event-log';
import { expect } from 'chai';
import {
  BadRequest,
  Conflict,
  Forbidden,
  HttpProblem,
  NotFound,
  PayloadTooLarge,
  PreconditionFailed,
  ServiceUnavailable,
  TooManyRequests,
  toProblem,
  Unauthorized,
  UnsupportedMediaType,
} from '../src/index';

describe('problem classes', () => {
  it('carry their status, rule, message and pointer in both constructor forms', () => {
    const cases: [HttpProblem, number][] = [
      [new BadRequest('r', 'm', { pointer: '/a' }), 400],
      [new BadRequest({ rule: 'r', message: 'm', pointer: '/a' }), 400],
      [new Unauthorized('r', 'm'), 401],
      [new Forbidden({ rule: 'r', message: 'm', pointer: '/a' }), 403],
      [new NotFound('r', 'm', { pointer: '/a' }), 404],
      [new Conflict('r', 'm', { pointer: '/a' }), 409],
      [new PreconditionFailed('r', 'm', { pointer: '/a' }), 412],
      [new PayloadTooLarge('r', 'm', { pointer: '/a' }), 413],
      [new UnsupportedMediaType('r', 'm', { pointer: '/a' }), 415],
      [new TooManyRequests('r', 'm', 3), 429],
      [new ServiceUnavailable('r', 'm'), 503],
    ];
    for (const [problem, status] of cases) {
      expect(problem).to.be.instanceOf(HttpProblem);
      expect(problem.status, problem.name).to.equal(status);
      expect(problem.rule).to.equal('r');
      expect(problem.message).to.equal('m');
    }
    expect(cases[1]![0].pointer).to.equal('/a');
  });

  it('add the headers their status needs', () => {
    expect(new Unauthorized('r', 'm', ['Basic realm="LRS"', 'Bearer realm="LRS"']).headers()).to.deep.equal({
      'WWW-Authenticate': ['Basic realm="LRS"', 'Bearer realm="LRS"'],
    });
    expect(new Unauthorized({ rule: 'r', message: 'm' }).headers()).to.deep.equal({
      'WWW-Authenticate': ['Basic realm="LRS"'],
    });
    expect(new TooManyRequests('r', 'm', 2.2).headers()).to.deep.equal({ 'Retry-After': '3' });
    expect(new ServiceUnavailable('r', 'm', 30).headers()).to.deep.equal({ 'Retry-After': '30' });
  });
});

describe('toProblem', () => {
  it('maps a full disk to 503 store.disk_full and an unreachable store to 503 store.unreachable', () => {
    const full = toProblem(new StoreUnavailableError('SQLITE_FULL', 'disk_full'));
    expect([full.status, full.rule]).to.deep.equal([503, 'store.disk_full']);
    expect(full.headers()).to.have.property('Retry-After');
    const down = toProblem(new StoreUnavailableError('14 UNAVAILABLE', 'unreachable'));
    expect([down.status, down.rule]).to.deep.equal([503, 'store.unreachable']);
  });

  it('maps EventStoreDB refusals: access denied 503, a deleted stream 410, an invalid position 400', () => {
    const denied = toProblem(new StoreUnavailableError('access denied', 'access_denied'));
    expect([denied.status, denied.rule]).to.deep.equal([503, 'store.access_denied']);
    const deleted = toProblem(new StreamDeletedError('statement-x'));
    expect([deleted.status, deleted.rule]).to.deep.equal([410, 'store.stream_deleted']);
    const position = toProblem(new InvalidPositionError(Position.of(7n, 3n), 'Invalid position'));
    expect([position.status, position.rule]).to.deep.equal([400, 'store.invalid_position']);
  });

  it('maps an oversized append to 413 with the limit', () => {
    const problem = toProblem(new AppendTooLargeError('statement-x', 2_000_000, 1_048_576));
    expect(problem.status).to.equal(413);
    expect(problem.rule).to.equal('store.append_too_large');
    expect(problem.details).to.deep.equal({ limit: 1_048_576 });
  });

  it('maps a lost optimistic-concurrency race to 409', () => {
    expect(toProblem(new WrongExpectedRevisionError('s', 0, 1)).status).to.equal(409);
  });

  it('maps body-parser errors to 400 json.syntax with a position, and 413', () => {
    const parse = Object.assign(new SyntaxError('Unexpected token'), {
      type: 'entity.parse.failed',
      status: 400,
      body: '{"a":}',
    });
    const problem = toProblem(parse);
    expect([problem.status, problem.rule]).to.deep.equal([400, 'json.syntax']);
    expect(problem.details).to.deep.equal({ position: 5 });
    const large = toProblem(
      Object.assign(new Error('request entity too large'), { type: 'entity.too.large' }),
    );
    expect(large.status).to.equal(413);
  });

  it('turns anything else into a generic 500 that does not repeat the error message', () => {
    const problem = toProblem(new Error('password=hunter2 leaked in a message'));
    expect(problem.status).to.equal(500);
    expect(problem.rule).to.equal('internal');
    expect(problem.message).to.not.include('hunter2');
  });
});
