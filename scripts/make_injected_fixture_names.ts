/** The hostile names in test/fixtures/injected (see make_injected_fixture.ts), shared with the browser test. */
/** Names an attacker might put in a file. None holds a comma, so each stays one CSV field. */
export const INJECTED = {
  genes: ['<img src=x onerror=alert(1)>', "x'><script>alert(2)</script>", "<svg/onload=alert('g')>", 'A&amp;B<b>bold</b>'],
  column: '<svg onload=alert(3)>',
  categories: ['<img src=x onerror=alert(4)>', '<script>alert(5)</script>', "' onmouseover='alert(6)"],
};
