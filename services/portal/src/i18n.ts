import { DateTime } from 'luxon';

export const LOCALES = ['en', 'ko', 'zh-Hant', 'zh-Hans', 'vi'] as const;
export type Locale = (typeof LOCALES)[number];

const en = {
  appName: 'Training portal',
  myTraining: 'My training',
  dashboard: 'Completion dashboard',
  audit: 'Audit',
  signIn: 'Sign in',
  signOut: 'Sign out',
  devSignIn: 'Development sign-in',
  devSignInWarning: 'Development only: issues short-lived tokens for demo users. Never enable in production.',
  tokenLabel: 'Token (JWT from your identity provider)',
  signInHelp: 'Paste the token your organisation’s identity provider issued.',
  language: 'Language',
  progress: 'Progress this period',
  requirement: 'Requirement',
  status: 'Status',
  due: 'Due',
  hours: 'hours',
  transcript: 'Transcript',
  title: 'Title',
  date: 'Date',
  modality: 'Modality',
  credited: 'Credited hours',
  withdrawn: 'Withdrawn',
  total: 'Total',
  certificate: 'Certificate of completion',
  printCertificate: 'Printable certificate',
  print: 'Print',
  verificationCode: 'Verification code',
  verifyAt: 'Anyone can check this certificate at',
  verify: 'Verify a certificate',
  verifyButton: 'Verify',
  valid: 'Valid: this certificate matches the current records.',
  invalid: 'Not valid: this code was not issued by this system.',
  revoked: 'No longer valid: the records no longer show this completion.',
  forbidden: 'Forbidden',
  forbiddenText: 'You may not see this page.',
  notFound: 'Not found',
  policy: 'Policy',
  period: 'Period',
  orgUnit: 'Org unit',
  staffGroup: 'Staff group',
  population: 'Officials',
  completionRate: 'Completion rate',
  completed: 'Completed',
  overdue: 'Overdue',
  exportCsv: 'Export CSV',
  hoursByCategory: 'Hours by category',
  overdueList: 'Overdue officials',
  official: 'Official',
  show: 'Show',
  up: 'Up to',
  noData: 'Nothing to show.',
  startReplay: 'Start a replay',
  cutOff: 'Cut-off (ISO 8601)',
  replay: 'Replay',
  fingerprint: 'Fingerprint',
  manifest: 'Manifest',
  compare: 'Compare two cut-offs',
  verifySnapshot: 'Verify a report snapshot',
  snapshot: 'Snapshot (JSON)',
  auditUnavailable: 'The audit service is not available in this installation.',
  inProgressNote: 'This page refreshes until the replay finishes.',
  'status.not_started': 'Not started',
  'status.in_progress': 'In progress',
  'status.completed': 'Completed',
  'status.overdue': 'Overdue',
  'status.exempt': 'Exempt',
  'modality.face-to-face': 'Face-to-face',
  'modality.live-online': 'Live online',
  'modality.self-paced': 'Online (self-paced)',
  'category.basic': 'Basic',
  'category.job': 'Job-related',
};
export type MessageKey = keyof typeof en;
type Messages = Record<MessageKey, string>;

const ko: Partial<Messages> = {
  appName: '교육 포털',
  myTraining: '나의 교육',
  dashboard: '이수 현황',
  audit: '감사',
  signIn: '로그인',
  signOut: '로그아웃',
  devSignIn: '개발용 로그인',
  devSignInWarning: '개발 전용: 데모 사용자에게 단기 토큰을 발급합니다. 운영 환경에서는 사용하지 마십시오.',
  tokenLabel: '토큰 (기관 인증 서버가 발급한 JWT)',
  signInHelp: '기관 인증 서버가 발급한 토큰을 붙여 넣으십시오.',
  language: '언어',
  progress: '이번 기간 이수 진행',
  requirement: '요건',
  status: '상태',
  due: '기한',
  hours: '시간',
  transcript: '교육 이력',
  title: '과정명',
  date: '일자',
  modality: '교육 방식',
  credited: '인정 시간',
  withdrawn: '취소됨',
  total: '합계',
  certificate: '이수증',
  printCertificate: '이수증 인쇄',
  print: '인쇄',
  verificationCode: '확인 코드',
  verifyAt: '이 이수증은 다음 주소에서 누구나 확인할 수 있습니다',
  verify: '이수증 확인',
  verifyButton: '확인',
  valid: '유효: 현재 기록과 일치합니다.',
  invalid: '무효: 이 시스템이 발급한 코드가 아닙니다.',
  revoked: '더 이상 유효하지 않음: 현재 기록에 이 이수가 없습니다.',
  forbidden: '접근 금지',
  forbiddenText: '이 페이지를 볼 권한이 없습니다.',
  policy: '교육 정책',
  period: '기간',
  orgUnit: '조직',
  staffGroup: '직렬',
  population: '대상 인원',
  completionRate: '이수율',
  completed: '이수',
  overdue: '기한 초과',
  exportCsv: 'CSV 내보내기',
  hoursByCategory: '분류별 시간',
  overdueList: '기한 초과자',
  official: '공무원',
  'status.not_started': '미시작',
  'status.in_progress': '진행 중',
  'status.completed': '이수',
  'status.overdue': '기한 초과',
  'status.exempt': '면제',
  'modality.face-to-face': '집합',
  'modality.live-online': '실시간 온라인',
  'modality.self-paced': '온라인(자율)',
  'category.basic': '기본',
  'category.job': '직무',
};

const zhHant: Partial<Messages> = {
  appName: '訓練入口網',
  myTraining: '我的訓練',
  dashboard: '完成情況儀表板',
  audit: '稽核',
  signIn: '登入',
  signOut: '登出',
  devSignIn: '開發用登入',
  language: '語言',
  progress: '本期進度',
  requirement: '要求',
  status: '狀態',
  due: '截止',
  hours: '小時',
  transcript: '學習紀錄',
  title: '課程名稱',
  date: '日期',
  modality: '方式',
  credited: '認列時數',
  withdrawn: '已撤銷',
  total: '合計',
  certificate: '結業證明',
  printCertificate: '列印證明',
  print: '列印',
  verificationCode: '驗證碼',
  verify: '驗證證明',
  valid: '有效：與目前紀錄相符。',
  invalid: '無效：此驗證碼並非本系統核發。',
  forbidden: '禁止存取',
  forbiddenText: '您無權檢視此頁面。',
  completionRate: '完成率',
  overdue: '逾期',
  exportCsv: '匯出 CSV',
  'status.not_started': '未開始',
  'status.in_progress': '進行中',
  'status.completed': '已完成',
  'status.overdue': '逾期',
  'status.exempt': '豁免',
};

const zhHans: Partial<Messages> = {
  appName: '培训门户',
  myTraining: '我的培训',
  dashboard: '完成情况仪表板',
  audit: '审计',
  signIn: '登录',
  signOut: '退出',
  devSignIn: '开发用登录',
  language: '语言',
  progress: '本期进度',
  requirement: '要求',
  status: '状态',
  due: '截止',
  hours: '小时',
  transcript: '学习记录',
  title: '课程名称',
  date: '日期',
  modality: '方式',
  credited: '认定学时',
  withdrawn: '已撤销',
  total: '合计',
  certificate: '结业证明',
  printCertificate: '打印证明',
  print: '打印',
  verificationCode: '验证码',
  verify: '验证证明',
  valid: '有效：与当前记录一致。',
  invalid: '无效：此验证码不是本系统签发的。',
  forbidden: '禁止访问',
  forbiddenText: '您无权查看此页面。',
  completionRate: '完成率',
  overdue: '逾期',
  exportCsv: '导出 CSV',
  'status.not_started': '未开始',
  'status.in_progress': '进行中',
  'status.completed': '已完成',
  'status.overdue': '逾期',
  'status.exempt': '豁免',
};

const vi: Partial<Messages> = {
  appName: 'Cổng đào tạo',
  myTraining: 'Đào tạo của tôi',
  dashboard: 'Bảng hoàn thành',
  audit: 'Kiểm toán',
  signIn: 'Đăng nhập',
  signOut: 'Đăng xuất',
  devSignIn: 'Đăng nhập phát triển',
  language: 'Ngôn ngữ',
  progress: 'Tiến độ kỳ này',
  requirement: 'Yêu cầu',
  status: 'Trạng thái',
  due: 'Hạn',
  hours: 'giờ',
  transcript: 'Bảng điểm',
  title: 'Tên khóa học',
  date: 'Ngày',
  modality: 'Hình thức',
  credited: 'Giờ được công nhận',
  withdrawn: 'Đã rút',
  total: 'Tổng',
  certificate: 'Giấy chứng nhận hoàn thành',
  printCertificate: 'Giấy chứng nhận để in',
  print: 'In',
  verificationCode: 'Mã xác minh',
  verify: 'Xác minh giấy chứng nhận',
  valid: 'Hợp lệ: khớp với hồ sơ hiện tại.',
  invalid: 'Không hợp lệ: mã này không do hệ thống cấp.',
  forbidden: 'Bị cấm',
  forbiddenText: 'Bạn không được xem trang này.',
  completionRate: 'Tỷ lệ hoàn thành',
  overdue: 'Quá hạn',
  exportCsv: 'Xuất CSV',
  'status.not_started': 'Chưa bắt đầu',
  'status.in_progress': 'Đang học',
  'status.completed': 'Hoàn thành',
  'status.overdue': 'Quá hạn',
  'status.exempt': 'Miễn',
};

// Untranslated keys fall back to English rather than showing a key name.
const CATALOGS: Record<Locale, Partial<Messages>> = {
  en,
  ko,
  'zh-Hant': zhHant,
  'zh-Hans': zhHans,
  vi,
};

/** BCP 47 tags for Intl/luxon and for picking language-map entries (xAPI Data 5.2.2). */
export const LANGUAGE_TAGS: Record<Locale, string[]> = {
  en: ['en', 'en-US', 'en-GB'],
  ko: ['ko-KR', 'ko'],
  'zh-Hant': ['zh-Hant', 'zh-TW', 'zh-HK'],
  'zh-Hans': ['zh-Hans', 'zh-CN', 'zh-SG'],
  vi: ['vi-VN', 'vi'],
};

export const LOCALE_NAMES: Record<Locale, string> = {
  en: 'English',
  ko: '한국어',
  'zh-Hant': '繁體中文',
  'zh-Hans': '简体中文',
  vi: 'Tiếng Việt',
};

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The first Accept-Language range we can serve; zh-TW/HK map to Traditional, other zh to Simplified. */
export function negotiateLocale(acceptLanguage: string | undefined): Locale {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim().toLowerCase();
    if (tag.startsWith('ko')) return 'ko';
    if (tag.startsWith('vi')) return 'vi';
    if (tag === 'zh-hant' || tag.startsWith('zh-tw') || tag.startsWith('zh-hk') || tag.startsWith('zh-hant'))
      return 'zh-Hant';
    if (tag.startsWith('zh')) return 'zh-Hans';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

/** Message lookup, number and date formatting for one request's locale and time zone. */
export class Translator {
  private readonly number: Intl.NumberFormat;
  private readonly percent: Intl.NumberFormat;
  constructor(
    readonly locale: Locale,
    readonly timeZone: string,
  ) {
    this.number = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    this.percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  }
  t(key: MessageKey): string {
    return CATALOGS[this.locale][key] ?? en[key];
  }
  /** A key built from data (status, modality, category) with the raw value as last resort. */
  label(prefix: 'status' | 'modality' | 'category', value: string | null): string {
    if (value === null) return '—';
    const key = `${prefix}.${value}` as MessageKey;
    return key in en ? this.t(key) : value;
  }
  num(n: number): string {
    return this.number.format(n);
  }
  pct(ratio: number): string {
    return this.percent.format(ratio);
  }
  /** A calendar date in the reader's time zone (a 23:30 UTC session is the next day in Seoul). */
  date(iso: string): string {
    const d = DateTime.fromISO(iso, { setZone: true });
    if (!d.isValid) return iso;
    return d.setZone(this.timeZone).setLocale(this.locale).toLocaleString(DateTime.DATE_MED);
  }
  dateTime(iso: string): string {
    const d = DateTime.fromISO(iso, { setZone: true });
    if (!d.isValid) return iso;
    return d.setZone(this.timeZone).setLocale(this.locale).toLocaleString(DateTime.DATETIME_MED);
  }
}
