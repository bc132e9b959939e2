#!/usr/bin/python3
"""Terraform templatefile() for the firmware templates, offline.

Only the subset the templates may use: ${name} is replaced by a variable,
$${ and %%{ are escapes for a literal ${ and %{. Anything else that
Terraform would treat as template syntax (an expression in ${...}, a
%{ directive) is refused, so that the templates stay plain enough for
shellcheck and a JSON parser to read once rendered.

    tftemplate.py placeholders FILE           one name a line
    tftemplate.py render FILE NAME=VALUE...   rendered text on stdout
"""
import re
import sys

TOKEN = re.compile(r"\$\$\{|%%\{|\$\{([^}]*)\}|%\{")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class TemplateError(Exception):
    pass


def _line(text, pos):
    return text.count("\n", 0, pos) + 1


def scan(text, where="template"):
    """Yield (start, end, kind, name): kind is 'escape' or 'var'."""
    for m in TOKEN.finditer(text):
        tok = m.group(0)
        if tok in ("$${", "%%{"):
            yield m.start(), m.end(), "escape", tok[1:]
            continue
        if tok == "%{":
            raise TemplateError("%s:%d: template directive %%{ is not allowed"
                                % (where, _line(text, m.start())))
        name = m.group(1).strip()
        if not NAME.match(name):
            raise TemplateError("%s:%d: only ${name} placeholders are allowed, not ${%s}"
                                % (where, _line(text, m.start()), m.group(1)))
        yield m.start(), m.end(), "var", name


def placeholders(text, where="template"):
    return {name for _, _, kind, name in scan(text, where) if kind == "var"}


def render(text, values, where="template"):
    out, last = [], 0
    for start, end, kind, name in scan(text, where):
        out.append(text[last:start])
        if kind == "escape":
            out.append(name)
        elif name not in values:
            raise TemplateError("%s:%d: no value for ${%s}" % (where, _line(text, start), name))
        else:
            out.append(str(values[name]))
        last = end
    out.append(text[last:])
    return "".join(out)


def main(argv):
    if len(argv) < 3 or argv[1] not in ("placeholders", "render"):
        sys.stderr.write(__doc__)
        return 2
    path = argv[2]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        if argv[1] == "placeholders":
            for name in sorted(placeholders(text, path)):
                print(name)
        else:
            values = dict(a.split("=", 1) for a in argv[3:])
            sys.stdout.write(render(text, values, path))
    except TemplateError as e:
        sys.stderr.write("%s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
