import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { html, trustedHtml } from '../../../../src/http/web/html.ts';

describe('html templates', () => {
  test('escape every interpolated value unless it is markup already', () => {
    const name = `<script>alert("x")</script> & 'y'`;
    assert.equal(
      html`<p title="${name}">${name}</p>`.html,
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</p>',
    );
    assert.equal(html`<div>${html`<b>${'<i>'}</b>`}</div>`.html, '<div><b>&lt;i&gt;</b></div>');
    assert.equal(html`${trustedHtml('<form></form>')}`.html, '<form></form>');
  });

  test('join lists and leave out nothing-values', () => {
    const items = ['a', '<b>'].map((item) => html`<li>${item}</li>`);
    assert.equal(html`${items}`.html, '<li>a</li><li>&lt;b&gt;</li>');
    assert.equal(html`${undefined}${null}${false}${0}`.html, '0');
  });
});
