// Decision 077: an erased official reads with their pseudonym as id and name; every page shows them
// as an erased person in the reader's language, never the pseudonym, and everyone else by name.
import { personName, personNames, Translator } from '@lrs/service-portal';
import { expect } from 'chai';

const PSEUDONYM = 'p-3f1c2a9e-7b4d-4e21-9a6f-0c5d8e2b1a47';

describe('an official’s name on the pages (personName)', () => {
  it('is the erased person in words, in each of the five languages', () => {
    const shown = (locale: string) =>
      personName(PSEUDONYM, PSEUDONYM, new Translator(locale as never, 'UTC'));
    expect(shown('en')).to.equal('Erased person');
    expect(shown('ko')).to.equal('삭제된 개인 정보의 당사자');
    expect(shown('zh-Hant')).to.equal('已刪除個人資料的人員');
    expect(shown('zh-Hans')).to.equal('已删除个人信息的人员');
    expect(shown('vi')).to.equal('Người đã xóa dữ liệu cá nhân');
  });
  it('is the name for everyone else, even one whose name is their id', () => {
    const tr = new Translator('en', 'UTC');
    expect(personName('kim', 'Kim Min-ji', tr)).to.equal('Kim Min-ji');
    expect(personName('E00001', 'E00001', tr)).to.equal('E00001');
    expect(
      personNames(
        new Map([
          ['kim', 'Kim Min-ji'],
          [PSEUDONYM, PSEUDONYM],
        ]),
        tr,
      ),
    ).to.deep.equal(
      new Map([
        ['kim', 'Kim Min-ji'],
        [PSEUDONYM, 'Erased person'],
      ]),
    );
  });
});
