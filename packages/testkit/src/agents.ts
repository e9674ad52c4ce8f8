import type { Account, Agent, Group } from '@lrs/xapi';

export class AgentBuilder {
  private agent: Agent = { objectType: 'Agent' };

  named(name: string): this {
    this.agent.name = name;
    return this;
  }
  withMbox(mbox: string): this {
    this.agent = { objectType: this.agent.objectType, name: this.agent.name, mbox };
    return this.clean();
  }
  withMboxSha1sum(mbox_sha1sum: string): this {
    this.agent = { objectType: this.agent.objectType, name: this.agent.name, mbox_sha1sum };
    return this.clean();
  }
  withOpenid(openid: string): this {
    this.agent = { objectType: this.agent.objectType, name: this.agent.name, openid };
    return this.clean();
  }
  withAccount(homePage: string, name: string): this {
    const account: Account = { homePage, name };
    this.agent = { objectType: this.agent.objectType, name: this.agent.name, account };
    return this.clean();
  }
  /** Leaves objectType out (it is optional for an Actor Agent, xAPI Data 2.4.2.1). */
  withoutObjectType(): this {
    delete this.agent.objectType;
    return this;
  }
  build(): Agent {
    return structuredClone(this.agent);
  }
  private clean(): this {
    if (this.agent.name === undefined) delete this.agent.name;
    if (this.agent.objectType === undefined) delete this.agent.objectType;
    return this;
  }
}

export function anAgent(): AgentBuilder {
  return new AgentBuilder().withMbox('mailto:learner@example.org');
}

export class GroupBuilder {
  private group: Group = { objectType: 'Group' };

  named(name: string): this {
    this.group.name = name;
    return this;
  }
  identifiedByMbox(mbox: string): this {
    this.group.mbox = mbox;
    return this;
  }
  identifiedByAccount(homePage: string, name: string): this {
    this.group.account = { homePage, name };
    return this;
  }
  withMembers(...members: (Agent | AgentBuilder)[]): this {
    this.group.member = members.map((m) => (m instanceof AgentBuilder ? m.build() : m));
    return this;
  }
  build(): Group {
    return structuredClone(this.group);
  }
}

/** An Anonymous Group until identifiedBy… is called. */
export function aGroup(): GroupBuilder {
  return new GroupBuilder();
}
