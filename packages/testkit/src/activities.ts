import type { Activity, ActivityDefinition, LanguageMap } from '@lrs/xapi';

export class ActivityBuilder {
  private activity: Activity;

  constructor(id: string) {
    this.activity = { objectType: 'Activity', id };
  }
  named(name: LanguageMap): this {
    this.definition().name = name;
    return this;
  }
  described(description: LanguageMap): this {
    this.definition().description = description;
    return this;
  }
  ofType(type: string): this {
    this.definition().type = type;
    return this;
  }
  withDefinition(definition: ActivityDefinition): this {
    this.activity.definition = { ...this.activity.definition, ...definition };
    return this;
  }
  withoutObjectType(): this {
    delete this.activity.objectType;
    return this;
  }
  build(): Activity {
    return structuredClone(this.activity);
  }
  private definition(): ActivityDefinition {
    this.activity.definition ??= {};
    return this.activity.definition;
  }
}

export function anActivity(id = 'https://example.org/course/1'): ActivityBuilder {
  return new ActivityBuilder(id);
}
