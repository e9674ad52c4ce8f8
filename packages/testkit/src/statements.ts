import type {
  Activity,
  Actor,
  Attachment,
  Context,
  Result,
  Score,
  Statement,
  StatementObject,
  SubStatement,
  Verb,
} from '@lrs/xapi';
import { ActivityBuilder, anActivity } from './activities';
import { AgentBuilder, anAgent, GroupBuilder } from './agents';
import { applyPatch, type Patch } from './pointer-patch';
import { verbs } from './vocabulary';

type ActorInput = Actor | AgentBuilder | GroupBuilder;
const actorOf = (a: ActorInput): Actor =>
  a instanceof AgentBuilder || a instanceof GroupBuilder ? a.build() : a;

/**
 * A valid Statement by default ("learner@example.org completed https://example.org/course/1"); each with…
 * changes one thing. `set`/`unset` edit any JSON pointer so a test can make exactly one property invalid.
 */
export class StatementBuilder {
  private statement: Statement = {
    actor: anAgent().build(),
    verb: verbs.completed,
    object: anActivity().build(),
  };
  private patches: Patch[] = [];

  withId(id: string): this {
    this.statement.id = id;
    return this;
  }
  withActor(actor: ActorInput): this {
    this.statement.actor = actorOf(actor);
    return this;
  }
  withVerb(verb: Verb | string): this {
    this.statement.verb = typeof verb === 'string' ? { id: verb } : verb;
    return this;
  }
  withActivity(activity: string | Activity | ActivityBuilder): this {
    this.statement.object =
      typeof activity === 'string'
        ? anActivity(activity).build()
        : activity instanceof ActivityBuilder
          ? activity.build()
          : activity;
    return this;
  }
  withObject(object: StatementObject | AgentBuilder | GroupBuilder | StatementBuilder): this {
    if (object instanceof StatementBuilder) this.statement.object = object.buildSubStatement();
    else if (object instanceof AgentBuilder || object instanceof GroupBuilder)
      this.statement.object = object.build();
    else this.statement.object = object;
    return this;
  }
  referencing(statementId: string): this {
    this.statement.object = { objectType: 'StatementRef', id: statementId };
    return this;
  }
  voiding(statementId: string): this {
    return this.withVerb(verbs.voided).referencing(statementId);
  }
  lasting(duration: string): this {
    return this.withResult({ duration });
  }
  scored(score: Score): this {
    return this.withResult({ score });
  }
  succeeded(success = true): this {
    return this.withResult({ success });
  }
  withResult(result: Result): this {
    this.statement.result = { ...this.statement.result, ...result };
    return this;
  }
  withContext(context: Context): this {
    this.statement.context = { ...this.statement.context, ...context };
    return this;
  }
  inRegistration(registration: string): this {
    return this.withContext({ registration });
  }
  withParent(activityId: string): this {
    const ca = this.statement.context?.contextActivities ?? {};
    return this.withContext({ contextActivities: { ...ca, parent: [{ id: activityId }] } });
  }
  at(timestamp: string): this {
    this.statement.timestamp = timestamp;
    return this;
  }
  withVersion(version: string): this {
    this.statement.version = version;
    return this;
  }
  withAuthority(authority: ActorInput): this {
    this.statement.authority = actorOf(authority);
    return this;
  }
  withAttachment(attachment: Attachment): this {
    this.statement.attachments = [...(this.statement.attachments ?? []), attachment];
    return this;
  }
  /** Sets any value at a JSON pointer, valid or not (applied at build time). */
  set(pointer: string, value: unknown): this {
    this.patches.push({ pointer, value });
    return this;
  }
  unset(pointer: string): this {
    this.patches.push({ pointer, remove: true });
    return this;
  }
  build(): Statement {
    let out: unknown = structuredClone(this.statement);
    for (const patch of this.patches) out = applyPatch(out, patch);
    return out as Statement;
  }
  buildSubStatement(): SubStatement {
    const { id: _id, stored: _s, authority: _a, version: _v, ...rest } = this.build();
    return { objectType: 'SubStatement', ...rest } as SubStatement;
  }
}

export function aStatement(): StatementBuilder {
  return new StatementBuilder();
}

export function anAttachment(overrides: Partial<Attachment> = {}): Attachment {
  return {
    usageType: 'http://adlnet.gov/expapi/attachments/certificate',
    display: { 'en-US': 'Certificate of completion' },
    contentType: 'application/pdf',
    length: 12_345,
    sha2: 'a'.repeat(64),
    ...overrides,
  };
}
