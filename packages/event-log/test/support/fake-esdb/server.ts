/**
 * An in-process gRPC server built from the service definitions that `@eventstore/db-client`
 * 6.2.1 ships under its generated/ folder, served with the @grpc/grpc-js the client itself uses.
 * The real client and the adapter talk to it over a socket on 127.0.0.1. It is NOT an
 * EventStoreDB: it keeps a small in-memory log so ordinary calls answer plausibly, and each test
 * scripts what matters to it (reads that never end, checkpoints, caught-up, errors mid-stream,
 * not-leader answers). See README.md beside this file.
 */

import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const requireHere = createRequire(import.meta.url);
const clientDir = dirname(requireHere.resolve('@eventstore/db-client/package.json'));
// Load grpc-js and the generated code exactly as the client resolves them (same instances).
const requireClient = createRequire(join(clientDir, 'package.json'));
// biome-ignore lint/suspicious/noExplicitAny: generated CommonJS code without usable types here
type Any = any;
export const grpc: Any = requireClient('@grpc/grpc-js');
const streamsGrpc: Any = requireClient('./generated/streams_grpc_pb.js');
const streamsPb: Any = requireClient('./generated/streams_pb.js');
const sharedPb: Any = requireClient('./generated/shared_pb.js');
const gossipGrpc: Any = requireClient('./generated/gossip_grpc_pb.js');
const gossipPb: Any = requireClient('./generated/gossip_pb.js');
const featuresGrpc: Any = requireClient('./generated/serverfeatures_grpc_pb.js');
const featuresPb: Any = requireClient('./generated/serverfeatures_pb.js');
const statusPb: Any = requireClient('./generated/status_pb.js');
const anyPb: Any = requireClient('google-protobuf/google/protobuf/any_pb.js');

export interface Pos {
  commit: bigint;
  prepare: bigint;
}

export interface StoredEvent {
  stream: string;
  revision: bigint;
  position: Pos;
  id: string;
  type: string;
  json: boolean;
  data: Uint8Array;
  metadata: Uint8Array;
  created: Date;
}

export interface ReadRequest {
  kind: 'stream' | 'all';
  stream?: string;
  direction: 'forwards' | 'backwards';
  /** Stream reads: a revision or start/end. */
  fromRevision?: bigint | 'start' | 'end';
  /** $all reads and subscriptions: a position or start/end. */
  fromPosition?: Pos | 'start' | 'end';
  /** Absent for subscriptions. */
  count: bigint | null;
  subscription: boolean;
  filter: null | {
    on: 'eventType' | 'streamName';
    prefixes: string[];
    regex: string;
    max: number | null;
    checkpointIntervalMultiplier: number;
  };
}

export type CallEnd = 'cancelled' | 'ended' | 'failed';

/** One Read call, as the server sees it. Tests drive it; the default handler answers from the log. */
export class ReadCall {
  readonly ended: Promise<CallEnd>;
  open = true;
  sent = 0;
  private resolveEnded!: (how: CallEnd) => void;

  constructor(
    readonly request: ReadRequest,
    private readonly call: Any,
    readonly server: FakeEsdb,
  ) {
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    call.on('cancelled', () => this.finish('cancelled'));
    call.on('error', () => this.finish('cancelled'));
  }

  private finish(how: CallEnd): void {
    if (!this.open) return;
    this.open = false;
    this.server.openReads.delete(this);
    this.resolveEnded(how);
  }

  /** Writes one response; resolves once grpc-js accepted it (waits for 'drain' when its buffer is full). */
  async send(resp: Any): Promise<void> {
    if (!this.open) return;
    this.sent++;
    if (!this.call.write(resp)) await new Promise((resolve) => this.call.once('drain', resolve));
  }

  event(e: StoredEvent): Promise<void> {
    const resp = new streamsPb.ReadResp();
    const read = new streamsPb.ReadResp.ReadEvent();
    read.setEvent(toGrpcRecord(e));
    read.setCommitPosition(e.position.commit.toString());
    resp.setEvent(read);
    return this.send(resp);
  }

  checkpoint(p: Pos): Promise<void> {
    const resp = new streamsPb.ReadResp();
    const c = new streamsPb.ReadResp.Checkpoint();
    c.setCommitPosition(p.commit.toString());
    c.setPreparePosition(p.prepare.toString());
    resp.setCheckpoint(c);
    return this.send(resp);
  }

  confirm(): Promise<void> {
    const resp = new streamsPb.ReadResp();
    const c = new streamsPb.ReadResp.SubscriptionConfirmation();
    c.setSubscriptionId(randomUUID());
    resp.setConfirmation(c);
    return this.send(resp);
  }

  caughtUp(): Promise<void> {
    const resp = new streamsPb.ReadResp();
    resp.setCaughtUp(new streamsPb.ReadResp.CaughtUp());
    return this.send(resp);
  }

  streamNotFound(stream: string): Promise<void> {
    const resp = new streamsPb.ReadResp();
    const nf = new streamsPb.ReadResp.StreamNotFound();
    nf.setStreamIdentifier(streamIdentifier(stream));
    resp.setStreamNotFound(nf);
    return this.send(resp);
  }

  /** Ends the call normally (status OK). */
  end(): void {
    if (!this.open) return;
    this.call.end();
    this.finish('ended');
  }

  /** Ends the call with a gRPC status, e.g. fail(grpc.status.ABORTED, 'consumer too slow'). */
  fail(code: number, details: string, metadata: Record<string, string> = {}): void {
    if (!this.open) return;
    this.finish('failed');
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(metadata)) md.set(k, v);
    this.call.emit('error', { code, details, metadata: md });
  }
}

export type ReadHandler = (call: ReadCall) => void | Promise<void>;

export interface AppendAttempt {
  stream: string;
  expected: 'any' | 'no_stream' | 'stream_exists' | bigint;
  events: number;
}

/** What BatchAppend answers for one request; null = the default (append to the in-memory log). */
export type AppendHandler = (
  attempt: AppendAttempt,
) => null | { error: 'not-leader'; host: string; port: number } | { status: number; details: string };

export interface FakeEsdbOptions {
  /** Answer reads this way; default: serve the in-memory log. */
  onRead?: ReadHandler;
  onAppend?: AppendHandler;
  /** For gossip: the cluster this node reports (default: itself as leader). */
  members?: () => { port: number; state: 'leader' | 'follower' }[];
}

const VNODE = { follower: 6, leader: 8 };

export class FakeEsdb {
  readonly log: StoredEvent[] = [];
  readonly openReads = new Set<ReadCall>();
  readonly reads: ReadCall[] = [];
  readonly appends: AppendAttempt[] = [];
  /** Delay before each BatchAppend answer (a network round trip), for measurements. */
  appendLatencyMs = 0;
  /** Largest number of BatchAppend requests received before any of them was answered. */
  maxAppendsInFlight = 0;
  onRead: ReadHandler | undefined;
  onAppend: AppendHandler | undefined;
  /** What gossip reports (default: this node alone, as leader). */
  members: FakeEsdbOptions['members'];
  port = 0;
  private readonly server = new grpc.Server();
  private readonly live = new Set<ReadCall>();
  private readonly streamLength = new Map<string, number>();
  private nextPosition = 1000n;
  private inFlight = 0;
  private appendGate: Promise<void> | null = null;

  constructor(options: FakeEsdbOptions = {}) {
    this.onRead = options.onRead;
    this.onAppend = options.onAppend;
    this.members = options.members;
    this.server.addService(streamsGrpc.StreamsService, {
      read: (call: Any) => this.read(call),
      batchAppend: (call: Any) => this.batchAppend(call),
      append: (_call: Any, cb: Any) => cb({ code: grpc.status.UNIMPLEMENTED, details: 'use BatchAppend' }),
      delete: (_call: Any, cb: Any) => cb({ code: grpc.status.UNIMPLEMENTED }),
      tombstone: (_call: Any, cb: Any) => cb({ code: grpc.status.UNIMPLEMENTED }),
    });
    this.server.addService(featuresGrpc.ServerFeaturesService, {
      getSupportedMethods: (_call: Any, cb: Any) => {
        const methods = new featuresPb.SupportedMethods();
        methods.setEventStoreServerVersion('24.10.0');
        for (const name of ['read', 'batchappend']) {
          const m = new featuresPb.SupportedMethod();
          m.setServiceName('event_store.client.streams.streams');
          m.setMethodName(name);
          methods.addMethods(m);
        }
        cb(null, methods);
      },
    });
    this.server.addService(gossipGrpc.GossipService, {
      read: (_call: Any, cb: Any) => {
        const info = new gossipPb.ClusterInfo();
        const members = this.members?.() ?? [{ port: this.port, state: 'leader' as const }];
        for (const m of members) {
          const member = new gossipPb.MemberInfo();
          const id = new sharedPb.UUID();
          id.setString(randomUUID());
          member.setInstanceId(id);
          member.setTimeStamp(String(Date.now()));
          member.setState(VNODE[m.state]);
          member.setIsAlive(true);
          const ep = new gossipPb.EndPoint();
          ep.setAddress('127.0.0.1');
          ep.setPort(m.port);
          member.setHttpEndPoint(ep);
          info.addMembers(member);
        }
        cb(null, info);
      },
    });
  }

  static async start(options: FakeEsdbOptions = {}): Promise<FakeEsdb> {
    const fake = new FakeEsdb(options);
    fake.port = await new Promise<number>((resolve, reject) =>
      fake.server.bindAsync(
        '127.0.0.1:0',
        grpc.ServerCredentials.createInsecure(),
        (err: Error | null, port: number) => (err ? reject(err) : resolve(port)),
      ),
    );
    return fake;
  }

  get url(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  /** Appends to the in-memory log (as a write through the server would) and feeds live subscriptions. */
  add(
    stream: string,
    type: string,
    data: unknown = {},
    options: { id?: string; raw?: { json: boolean; data: Uint8Array; metadata: Uint8Array } } = {},
  ): StoredEvent {
    const revision = BigInt(this.streamLength.get(stream) ?? 0);
    this.streamLength.set(stream, Number(revision) + 1);
    const position = { commit: this.nextPosition, prepare: this.nextPosition };
    this.nextPosition += 100n;
    const e: StoredEvent = {
      stream,
      revision,
      position,
      id: options.id ?? randomUUID(),
      type,
      json: options.raw?.json ?? true,
      data: options.raw?.data ?? Buffer.from(JSON.stringify(data)),
      metadata: options.raw?.metadata ?? Buffer.from('{}'),
      created: new Date(),
    };
    this.log.push(e);
    for (const call of this.live) if (matches(call.request, e)) void call.event(e);
    return e;
  }

  /** Holds every BatchAppend answer until the returned release() is called. */
  holdAppends(): () => void {
    let release!: () => void;
    this.appendGate = new Promise((resolve) => {
      release = resolve;
    });
    return () => {
      this.appendGate = null;
      release();
    };
  }

  /** Resolves when `n` Read calls have been made in total. */
  async readsMade(n: number): Promise<ReadCall[]> {
    while (this.reads.length < n) await new Promise((resolve) => this.readListeners.push(resolve));
    return this.reads;
  }
  private readListeners: ((v: unknown) => void)[] = [];

  /** Resolves when `n` append requests have arrived in total. */
  async appendsReceived(n: number): Promise<void> {
    while (this.appends.length < n) await new Promise((resolve) => this.appendListeners.push(resolve));
  }
  private appendListeners: ((v: unknown) => void)[] = [];

  async close(): Promise<void> {
    for (const call of [...this.openReads]) call.end();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.server.forceShutdown();
  }

  private read(call: Any): void {
    const readCall = new ReadCall(parseReadRequest(call.request), call, this);
    this.openReads.add(readCall);
    this.reads.push(readCall);
    for (const listener of this.readListeners.splice(0)) listener(undefined);
    void (async () => {
      try {
        await (this.onRead ?? ((c: ReadCall) => this.serve(c)))(readCall);
      } catch (error) {
        readCall.fail(grpc.status.INTERNAL, String(error));
      }
    })();
  }

  /** The default answer: what a server holding `log` would send (simplified). */
  async serve(call: ReadCall): Promise<void> {
    const r = call.request;
    if (r.subscription) {
      await call.confirm();
      const from = r.fromPosition;
      const after =
        from === 'start' || from === undefined ? null : from === 'end' ? this.lastPosition() : from;
      let last: Pos | null = null;
      for (const e of this.log) {
        if (after && comparePos(e.position, after) <= 0) continue;
        last = e.position;
        if (matches(r, e)) await call.event(e);
      }
      if (r.filter && last) await call.checkpoint(last);
      await call.caughtUp();
      this.live.add(call);
      void call.ended.then(() => this.live.delete(call));
      return;
    }
    let events: StoredEvent[];
    if (r.kind === 'stream') {
      events = this.log.filter((e) => e.stream === r.stream);
      if (events.length === 0) {
        await call.streamNotFound(r.stream!);
        call.end();
        return;
      }
      if (r.direction === 'backwards') events = [...events].reverse();
      const from = r.fromRevision;
      if (typeof from === 'bigint')
        events = events.filter((e) => (r.direction === 'forwards' ? e.revision >= from : e.revision <= from));
    } else {
      events = r.direction === 'backwards' ? [...this.log].reverse() : [...this.log];
      const from = r.fromPosition;
      if (from && typeof from === 'object')
        events = events.filter((e) =>
          r.direction === 'forwards' ? comparePos(e.position, from) >= 0 : comparePos(e.position, from) < 0,
        );
    }
    let n = 0n;
    for (const e of events) {
      if (r.count !== null && n >= r.count) break;
      if (!call.open) return;
      await call.event(e);
      n++;
    }
    call.end();
  }

  private lastPosition(): Pos | null {
    return this.log.length ? this.log[this.log.length - 1]!.position : null;
  }

  private batchAppend(call: Any): void {
    call.on('data', async (req: Any) => {
      const options = req.getOptions();
      const correlation = req.getCorrelationId();
      const stream = Buffer.from(options.getStreamIdentifier().getStreamName()).toString('utf8');
      const expected: AppendAttempt['expected'] = options.hasNoStream()
        ? 'no_stream'
        : options.hasAny()
          ? 'any'
          : options.hasStreamExists()
            ? 'stream_exists'
            : BigInt(options.getStreamPosition());
      const messages = req.getProposedMessagesList();
      const attempt = { stream, expected, events: messages.length };
      this.appends.push(attempt);
      for (const listener of this.appendListeners.splice(0)) listener(undefined);
      this.inFlight++;
      this.maxAppendsInFlight = Math.max(this.maxAppendsInFlight, this.inFlight);
      if (this.appendGate) await this.appendGate;
      if (this.appendLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.appendLatencyMs));
      this.inFlight--;
      const resp = new streamsPb.BatchAppendResp();
      resp.setCorrelationId(correlation);
      resp.setStreamIdentifier(streamIdentifier(stream));
      const scripted = this.onAppend?.(attempt) ?? null;
      if (scripted && 'error' in scripted) {
        // A follower answers a write with NotLeader and the leader's endpoint in the trailers;
        // the whole call fails (grpc status NOT_FOUND... the client reads only the "exception" key).
        const md = new grpc.Metadata();
        md.set('exception', 'not-leader');
        md.set('leader-endpoint-host', scripted.host);
        md.set('leader-endpoint-port', String(scripted.port));
        call.emit('error', { code: grpc.status.NOT_FOUND, details: 'Leader info available', metadata: md });
        return;
      }
      if (scripted) {
        call.emit('error', {
          code: scripted.status,
          details: scripted.details,
          metadata: new grpc.Metadata(),
        });
        return;
      }
      const length = this.streamLength.get(stream) ?? 0;
      const revision = length > 0 ? BigInt(length - 1) : null;
      const wrong =
        (expected === 'no_stream' && revision !== null) ||
        (expected === 'stream_exists' && revision === null) ||
        (typeof expected === 'bigint' && expected !== revision);
      if (wrong) {
        const status = new statusPb.Status();
        status.setCode(grpc.status.FAILED_PRECONDITION);
        status.setMessage('WrongExpectedVersion');
        const w = new sharedPb.WrongExpectedVersion();
        if (revision === null)
          w.setCurrentNoStream(new (requireClient('google-protobuf/google/protobuf/empty_pb.js').Empty)());
        else w.setCurrentStreamRevision(revision.toString());
        const details = new anyPb.Any();
        details.pack(w.serializeBinary(), 'event_store.client.WrongExpectedVersion');
        status.setDetails(details);
        resp.setError(status);
        call.write(resp);
        return;
      }
      let last: StoredEvent | null = null;
      for (const m of messages) {
        const md = m.getMetadataMap();
        last = this.add(stream, md.get('type'), undefined, {
          id: m.getId().getString(),
          raw: {
            json: md.get('content-type') === 'application/json',
            data: m.getData_asU8(),
            metadata: m.getCustomMetadata_asU8(),
          },
        });
      }
      const success = new streamsPb.BatchAppendResp.Success();
      success.setCurrentRevision(last!.revision.toString());
      const p = new sharedPb.AllStreamPosition();
      p.setCommitPosition(last!.position.commit.toString());
      p.setPreparePosition(last!.position.prepare.toString());
      success.setPosition(p);
      resp.setSuccess(success);
      call.write(resp);
    });
    call.on('end', () => call.end());
  }
}

export function comparePos(a: Pos, b: Pos): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

function matches(r: ReadRequest, e: StoredEvent): boolean {
  if (!r.filter) return true;
  const subject = r.filter.on === 'eventType' ? e.type : e.stream;
  if (r.filter.prefixes.length > 0) return r.filter.prefixes.some((p) => subject.startsWith(p));
  if (r.filter.regex) return new RegExp(r.filter.regex).test(subject);
  return true;
}

function streamIdentifier(stream: string): Any {
  const id = new sharedPb.StreamIdentifier();
  id.setStreamName(Uint8Array.from(Buffer.from(stream, 'utf8')));
  return id;
}

function toGrpcRecord(e: StoredEvent): Any {
  const r = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  const id = new sharedPb.UUID();
  id.setString(e.id);
  r.setId(id);
  r.setStreamIdentifier(streamIdentifier(e.stream));
  r.setStreamRevision(e.revision.toString());
  r.setCommitPosition(e.position.commit.toString());
  r.setPreparePosition(e.position.prepare.toString());
  const md = r.getMetadataMap();
  md.set('type', e.type);
  md.set('content-type', e.json ? 'application/json' : 'application/octet-stream');
  md.set('created', (BigInt(e.created.getTime()) * 10_000n).toString());
  r.setCustomMetadata(e.metadata);
  r.setData(e.data);
  return r;
}

function parseReadRequest(req: Any): ReadRequest {
  const o = req.getOptions();
  const direction = o.getReadDirection() === 1 ? 'backwards' : 'forwards';
  const subscription = o.hasSubscription();
  const count = o.hasCount() ? BigInt(o.getCount()) : null;
  let filter: ReadRequest['filter'] = null;
  if (o.hasFilter()) {
    const f = o.getFilter();
    const expr = f.hasEventType() ? f.getEventType() : f.getStreamIdentifier();
    filter = {
      on: f.hasEventType() ? 'eventType' : 'streamName',
      prefixes: expr.getPrefixList(),
      regex: expr.getRegex(),
      max: f.hasMax() ? f.getMax() : null,
      checkpointIntervalMultiplier: f.getCheckpointintervalmultiplier(),
    };
  }
  if (o.hasStream()) {
    const s = o.getStream();
    return {
      kind: 'stream',
      stream: Buffer.from(s.getStreamIdentifier().getStreamName()).toString('utf8'),
      direction,
      fromRevision: s.hasStart() ? 'start' : s.hasEnd() ? 'end' : BigInt(s.getRevision()),
      count,
      subscription,
      filter,
    };
  }
  const a = o.getAll();
  const fromPosition: ReadRequest['fromPosition'] = a.hasStart()
    ? 'start'
    : a.hasEnd()
      ? 'end'
      : {
          commit: BigInt(a.getPosition().getCommitPosition()),
          prepare: BigInt(a.getPosition().getPreparePosition()),
        };
  return { kind: 'all', direction, fromPosition, count, subscription, filter };
}
