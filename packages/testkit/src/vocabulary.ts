// xAPI vocabulary of the training domain (../shared/notes/TRAINING-DOMAIN.md).
import type { Verb } from '@lrs/xapi';

const verb = (id: string, display: string): Verb => ({ id, display: { 'en-US': display } });

export const verbs = {
  attended: verb('http://adlnet.gov/expapi/verbs/attended', 'attended'),
  completed: verb('http://adlnet.gov/expapi/verbs/completed', 'completed'),
  passed: verb('http://adlnet.gov/expapi/verbs/passed', 'passed'),
  failed: verb('http://adlnet.gov/expapi/verbs/failed', 'failed'),
  registered: verb('http://adlnet.gov/expapi/verbs/registered', 'registered'),
  satisfied: verb('https://w3id.org/xapi/adl/verbs/satisfied', 'satisfied'),
  waived: verb('https://w3id.org/xapi/adl/verbs/waived', 'waived'),
  performedOffline: verb('http://id.tincanapi.com/verb/performed-offline', 'performed offline'),
  voided: verb('http://adlnet.gov/expapi/verbs/voided', 'voided'),
} as const;

export const activityTypes = {
  course: 'http://adlnet.gov/expapi/activities/course',
  module: 'http://adlnet.gov/expapi/activities/module',
  meeting: 'http://adlnet.gov/expapi/activities/meeting',
  assessment: 'http://adlnet.gov/expapi/activities/assessment',
  interaction: 'http://adlnet.gov/expapi/activities/cmi.interaction',
} as const;

/** cmi5 category activity (cmi5 §9.6.2.1). */
export const cmi5Category = 'https://w3id.org/xapi/cmi5/context/categories/cmi5';
