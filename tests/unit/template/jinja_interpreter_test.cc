// Rendering behaviour of the Jinja interpreter: the language features chat
// templates rely on, Python-compatible built-ins, and the sandbox limits.
#include "template/jinja_interpreter.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "template/jinja_json.h"
#include "template/jinja_parser.h"

namespace citadel::tmpl::jinja {
namespace {

Result<std::string> TryRender(std::string_view source,
                              std::vector<std::pair<std::string, Value>> globals = {},
                              RenderLimits limits = {}, std::int64_t now = 0) {
  CITADEL_ASSIGN_OR_RETURN(auto program, ParseTemplate(source));
  Interpreter interpreter(*program, limits, now);
  for (auto& [name, value] : globals) interpreter.SetGlobal(name, value);
  return interpreter.Render();
}

std::string Render(std::string_view source,
                   std::vector<std::pair<std::string, Value>> globals = {}) {
  auto out = TryRender(source, std::move(globals));
  EXPECT_TRUE(out.ok()) << source << " -> " << out.status().ToString();
  return out.ok() ? *out : "<error>";
}

Value Json(std::string_view text) {
  auto v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : Value();
}

TEST(JinjaInterpreterTest, IfElifElse) {
  const char* t = "{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %}";
  EXPECT_EQ(Render(t, {{"n", Value::Int(1)}}), "one");
  EXPECT_EQ(Render(t, {{"n", Value::Int(2)}}), "two");
  EXPECT_EQ(Render(t, {{"n", Value::Int(7)}}), "many");
}

TEST(JinjaInterpreterTest, ForLoopVariables) {
  EXPECT_EQ(
      Render(
          "{% for x in xs %}{{ loop.index0 }}{{ loop.index }}{{ x }}{% if loop.first %}F{% endif %}"
          "{% if loop.last %}L{% endif %}{{ loop.length }}{{ loop.revindex0 }},{% endfor %}",
          {{"xs", Json(R"(["a","b","c"])")}}),
      "01aF32,12b31,23cL30,");
  EXPECT_EQ(Render("{% for x in xs %}{{ loop.previtem }}>{{ x }}>{{ loop.nextitem }} {% endfor %}",
                   {{"xs", Json("[1,2,3]")}}),
            ">1>2 1>2>3 2>3> ");
}

TEST(JinjaInterpreterTest, ForLoopFilterElseBreakContinueAndUnpacking) {
  EXPECT_EQ(Render("{% for x in xs if x > 1 %}{{ loop.index }}:{{ x }} {% endfor %}",
                   {{"xs", Json("[1,2,3]")}}),
            "1:2 2:3 ");
  EXPECT_EQ(Render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(Render("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 "
                   "%}{% break %}"
                   "{% endif %}{{ x }}{% endfor %}"),
            "013");
  EXPECT_EQ(Render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
                   {{"d", Json(R"({"b":1,"a":2})")}}),
            "b=1;a=2;");
  EXPECT_EQ(Render("{% for k in d %}{{ k }}{% endfor %}", {{"d", Json(R"({"x":1,"y":2})")}}), "xy");
}

TEST(JinjaInterpreterTest, SetInsideLoopDoesNotLeakButNamespaceDoes) {
  EXPECT_EQ(Render("{% set x = 1 %}{% for i in [1,2] %}{% set x = 5 %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(
      Render(
          "{% set ns = namespace(x=1) %}{% for i in [1,2] %}{% set ns.x = ns.x + i %}{% endfor %}"
          "{{ ns.x }}"),
      "4");
  EXPECT_EQ(Render("{% set a, b = [1, 2] %}{{ b }}{{ a }}"), "21");
  EXPECT_EQ(Render("{% set t %}in {{ 'block' }}{% endset %}[{{ t }}]"), "[in block]");
}

TEST(JinjaInterpreterTest, Macros) {
  EXPECT_EQ(Render("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}"
                   "{{ greet('Ann') }} {{ greet('Bob', punct='?') }} {{ greet(name='Cy') }}"),
            "Hi Ann! Hi Bob? Hi Cy!");
  // Macros see template globals but not the caller's loop variables.
  EXPECT_EQ(
      Render(
          "{% set g = 'G' %}{% macro m() %}{{ g }}{{ x }}{% endmacro %}{% for x in [1] %}{{ m() }}"
          "{% endfor %}"),
      "G");
}

TEST(JinjaInterpreterTest, Filters) {
  EXPECT_EQ(
      Render("{{ '  hi  ' | trim }}|{{ 'Ab' | upper }}{{ 'Ab' | lower }}|{{ [1,2,3] | length }}"
             "|{{ 'héllo' | length }}|{{ [1,2] | join(', ') }}|{{ 'aXa' | replace('a', 'b') }}"
             "|{{ missing | default('d') }}|{{ '' | default('e', true) }}|{{ [4,5] | first }}{{ "
             "[4,5] | last }}"),
      "hi|ABab|3|5|1, 2|bXb|d|e|45");
  Value tools = Json(R"([{"name":"a","on":true},{"name":"b","on":false},{"name":"c"}])");
  EXPECT_EQ(Render("{{ tools | selectattr('on') | map(attribute='name') | join }}"
                   "|{{ tools | rejectattr('on') | map(attribute='name') | join }}"
                   "|{{ tools | selectattr('name', 'equalto', 'c') | list | length }}"
                   "|{{ ['a','b'] | map('upper') | join }}",
                   {{"tools", tools}}),
            "a|bc|1|AB");
  EXPECT_EQ(
      Render("{{ d | items | list }}|{{ d | dictsort }}", {{"d", Json(R"({"b":1,"a":"x"})")}}),
      "[['b', 1], ['a', 'x']]|[['a', 'x'], ['b', 1]]");
  EXPECT_EQ(Render("{{ 'a\nb\n\nc' | indent(2) }}|{{ 'x' | indent(2, true) }}"),
            "a\n  b\n\n  c|  x");
  EXPECT_EQ(Render("{{ [3,1,2] | sort | join }}{{ [1,1,2] | unique | join }}{{ '42' | int + 1 }}{{ "
                   "3 | string }}"),
            "12312433");
  EXPECT_EQ(Render("{% filter upper %}shout{% endfilter %}"), "SHOUT");
}

TEST(JinjaInterpreterTest, ToJsonMatchesTheReferenceFormatting) {
  Value v = Json(R"({"b":[1,2.5,true,null],"a":"é\"\n"})");
  EXPECT_EQ(Render("{{ v | tojson }}", {{"v", v}}), R"({"b": [1, 2.5, true, null], "a": "é\"\n"})");
  EXPECT_EQ(Render("{{ v | tojson(indent=2) }}", {{"v", Json(R"({"a":[1],"b":{}})")}}),
            "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}");
  EXPECT_EQ(Render("{{ 'x' | tojson }}{{ missing | tojson }}"), "\"x\"null");
}

TEST(JinjaInterpreterTest, TestsAndOperators) {
  Value m = Json(R"({"s":"x","n":null,"l":[1],"d":{}})");
  EXPECT_EQ(Render("{{ m.s is string }}{{ m.n is none }}{{ m.l is iterable }}{{ m.d is mapping }}"
                   "{{ m.zz is defined }}{{ m.s is not none }}{{ m.l is string }}{{ 3 is odd }}"
                   "{{ 4 is divisibleby 2 }}{{ false is false }}",
                   {{"m", m}}),
            "TrueTrueTrueTrueFalseTrueFalseTrueTrueTrue");
  EXPECT_EQ(Render("{{ 'a' in 'cat' }}{{ 2 in [1,2] }}{{ 'k' in {'k': 1} }}{{ 'z' not in 'cat' }}"),
            "TrueTrueTrueTrue");
  EXPECT_EQ(Render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} "
                   "{{ 'ab' * 2 }}"),
            "3 -4 1 2 3.5 1024 abab");
  // Like the reference engine, none next to a string concatenates as "".
  EXPECT_EQ(Render("{{ 'a' ~ 1 ~ none }}|{{ 'a' + none }}|{{ [1] + [2] }}|{{ 1 == 1.0 }}"),
            "a1|a|[1, 2]|True");
  EXPECT_EQ(Render("{{ a or 'fallback' }}{{ 'x' and 'y' }}{{ not none }}"), "fallbackyTrue");
  EXPECT_EQ(Render("{{ 'yes' if 1 > 0 else 'no' }}{{ 'never' if false }}"), "yes");
}

TEST(JinjaInterpreterTest, SlicingAndIndexing) {
  Value xs = Json("[0,1,2,3,4]");
  EXPECT_EQ(Render("{{ xs[1:] }}{{ xs[:-1] }}{{ xs[::-1] }}{{ xs[1:4:2] }}{{ xs[-1] }}{{ xs[9] is "
                   "defined }}",
                   {{"xs", xs}}),
            "[1, 2, 3, 4][0, 1, 2, 3][4, 3, 2, 1, 0][1, 3]4False");
  EXPECT_EQ(Render("{{ 'héllo'[::-1] }}|{{ 'hello'[1:3] }}|{{ 'abc'[0] }}"), "olléh|el|a");
}

TEST(JinjaInterpreterTest, StringListAndDictMethods) {
  EXPECT_EQ(Render("{{ ' x '.strip() }}|{{ 'xxaxx'.lstrip('x') }}|{{ 'ab'.startswith('a') }}"
                   "{{ 'ab'.endswith(('z','b')) }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}"
                   "|{{ 'a b c'.split(' ', 1) }}|{{ 'Hi'.lower() }}{{ 'Hi'.upper() }}|{{ "
                   "'{}-{}'.format(1, 'x') }}"),
            "x|axx|TrueTrue|['a', 'b', '', 'c']|['a', 'b']|['a', 'b c']|hiHI|1-x");
  EXPECT_EQ(Render("{% set l = [1] %}{% set _ = l.append(2) %}{{ l }}{{ l.pop(0) }}{{ l }}"),
            "[1, 2]1[2]");
  EXPECT_EQ(Render("{% set d = {'a': 1} %}{{ d.get('a') }}{{ d.get('b', 'dflt') }}{{ d.get('b') }}"
                   "{{ d.keys() | list }}{{ d.values() | list }}"),
            "1dfltNone['a'][1]");
}

TEST(JinjaInterpreterTest, UndefinedIsLenientWhereTemplatesExpectIt) {
  EXPECT_EQ(Render("[{{ missing }}][{{ missing.attr }}][{{ missing['k'] }}][{% for x in missing "
                   "%}x{% endfor %}]"
                   "[{{ missing | length }}]"),
            "[][][][][0]");
}

TEST(JinjaInterpreterTest, RaiseExceptionNamesTheTemplatePosition) {
  auto out =
      TryRender("line one\n{{ raise_exception('Only user and assistant roles are supported') }}");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("line 2, column 4"), std::string::npos)
      << out.status().message();
  EXPECT_NE(out.status().message().find("Only user and assistant roles are supported"),
            std::string::npos);
}

TEST(JinjaInterpreterTest, TypeErrorsNameThePosition) {
  auto out = TryRender("{{ 1 - 'a' }}");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("line 1, column 8"), std::string::npos)
      << out.status().message();
  EXPECT_FALSE(TryRender("{{ nothing() }}").ok());
  EXPECT_FALSE(TryRender("{{ 1 // 0 }}").ok());
  EXPECT_FALSE(TryRender("{{ 'x' | nosuchfilter }}").ok());
  EXPECT_FALSE(TryRender("{{ 9223372036854775807 + 1 }}").ok());
}

TEST(JinjaInterpreterTest, StrftimeNowUsesTheInjectedClock) {
  setenv("TZ", "UTC", 1);
  tzset();
  auto out = TryRender("{{ strftime_now('%Y-%m-%d %H:%M') }}", {}, {},
                       1735732800);  // 2025-01-01 12:00 UTC
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "2025-01-01 12:00");
}

TEST(JinjaInterpreterTest, LoopIterationsAreBounded) {
  RenderLimits limits;
  limits.max_loop_iterations = 1000;
  auto out = TryRender("{% for i in range(100) %}{% for j in range(100) %}{% endfor %}{% endfor %}",
                       {}, limits);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(TryRender("{% for i in range(10) %}{% for j in range(10) %}{% endfor %}{% endfor %}",
                        {}, limits)
                  .ok());
}

TEST(JinjaInterpreterTest, OutputSizeIsBounded) {
  RenderLimits limits;
  limits.max_output_bytes = 1000;
  auto out = TryRender("{% for i in range(100) %}0123456789abcdef{% endfor %}", {}, limits);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
  auto huge = TryRender("{{ 'x' * 100000000000 }}");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(TryRender("{{ range(100000000) | length }}").ok());
}

TEST(JinjaInterpreterTest, RecursionIsBounded) {
  auto out = TryRender("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
}

TEST(JinjaInterpreterTest, SelfContainingValuesRenderAndAreFreed) {
  // Python allows these; printing stays bounded and the render frees the
  // cycle afterwards (the ASan build checks for leaks).
  for (const char* source :
       {"{% set l = [] %}{% set _ = l.append(l) %}{{ (l | string | length) > 0 }}",
        "{% set d = {} %}{% set _ = d.update({'self': d}) %}{{ (d | tojson | length) > 0 }}",
        "{% set ns = namespace() %}{% set ns.me = ns %}{{ ns.me.me.me is mapping }}"}) {
    auto out = TryRender(source);
    ASSERT_TRUE(out.ok()) << source << ": " << out.status().ToString();
    EXPECT_EQ(*out, "True") << source;
  }
}

TEST(JinjaInterpreterTest, ExponentiallySharedListsPrintInBoundedTime) {
  auto out = TryRender(
      "{% set ns = namespace(l=[1]) %}{% for i in range(80) %}{% set ns.l = [ns.l, ns.l] %}{% "
      "endfor %}"
      "{{ (ns.l | string | length) > 0 }}{{ ns.l == ns.l }}");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "TrueTrue");
}

TEST(JinjaInterpreterTest, DeeplyNestedValuesDoNotExhaustTheStack) {
  auto out = TryRender(
      "{% set ns = namespace(cur=[]) %}{% for i in range(100000) %}{% set ns.cur = [ns.cur] %}{% "
      "endfor %}"
      "{{ ns.cur | length }}{{ ns.cur == ns.cur }}{{ (ns.cur | tojson | length) > 0 }}"
      "{{ (ns.cur | string | length) > 0 }}");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "1TrueTrueTrue");
}

}  // namespace
}  // namespace citadel::tmpl::jinja
