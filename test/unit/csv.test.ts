import { describe, expect, it } from 'vitest';
import { csvCell } from '../../api/services/office.js';

describe('CSV cells for Excel', () => {
  it('quotes cells holding the separator, quotes or line breaks', () => {
    expect(csvCell('Dupont')).toBe('Dupont');
    expect(csvCell('a;b')).toBe('"a;b"');
    expect(csvCell('il a dit "oui"')).toBe('"il a dit ""oui"""');
    expect(csvCell('ligne 1\nligne 2')).toBe('"ligne 1\nligne 2"');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(3)).toBe('3');
  });

  it('defuses text that Excel would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://evil.example","clic")')).toBe('"\'=HYPERLINK(""http://evil.example"",""clic"")"');
    expect(csvCell('+33 6 12 34 56 78')).toBe("'+33 6 12 34 56 78");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
  });
});
