/*
 * Swagger UI plugin (served at /docs/exact-numbers.js). Swagger UI shows a JSON reply through
 * JSON.parse and JSON.stringify, which rounds integers above 2^53: a seed copied from the reply
 * would not reproduce the image. This plugin indents the reply's text itself, without parsing any
 * number, and shows that text as it is.
 */
(function () {
  /** Re-indents JSON text with two spaces; strings and numbers are copied character for character. */
  function indentJsonText(text) {
    var out = '';
    var depth = 0;
    var inString = false;
    var pad = function (n) {
      return '\n' + new Array(n + 1).join('  ');
    };
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      if (inString) {
        out += c;
        if (c === '\\') out += text[++i];
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') {
        inString = true;
        out += c;
      } else if (c === '{' || c === '[') {
        var close = c === '{' ? '}' : ']';
        var j = i + 1;
        while (/\s/.test(text[j] || '')) j++;
        if (text[j] === close) {
          out += c + close;
          i = j;
        } else {
          depth++;
          out += c + pad(depth);
        }
      } else if (c === '}' || c === ']') {
        depth--;
        out += pad(depth) + c;
      } else if (c === ',') {
        out += ',' + pad(depth);
      } else if (c === ':') {
        out += ': ';
      } else if (!/\s/.test(c)) {
        out += c;
      }
    }
    return out;
  }

  window.fooocusIndentJsonText = indentJsonText;
  window.fooocusExactNumbers = function (system) {
    var React = system.React;
    return {
      wrapComponents: {
        responseBody: function (Original) {
          return function (props) {
            var isJson = /json/i.test(props.contentType || '') && typeof props.content === 'string';
            if (!isJson) return React.createElement(Original, props);
            var exact = Object.assign({}, props, {
              content: indentJsonText(props.content),
              contentType: 'text/plain; charset=utf-8',
            });
            return React.createElement(Original, exact);
          };
        },
      },
    };
  };
})();
