"""
ccxt's async ``fetch`` recompiled with its two guards written into its own body.

On an async client, each Python frame a successful request passes through is a
measurable share of its cost (a canned request takes ~22 µs): the ``fetch``
guard and the ``handle_errors`` wrapper were two of them. Instead, the wrapped
class gets a copy of ccxt's ``fetch`` compiled from ccxt's own source, with

* the body inside the ``fetch`` guard's ``try``/``except ccxt.BaseError``, which
  hands the error to `typed_async` and `throw` (``guard_fetch_async``), and
* the one ``self.handle_errors(...)`` statement inside the ``handle_errors``
  wrapper's ``try``/``except``, which hands the error to the shared *typed_http*
  function (``wrap._typed_http``), so the wrapper is left off that class.

On success, the copy runs ccxt's bytecode plus two ``try`` blocks, which cost
nothing until something is raised. It runs in ccxt's own module globals (the
same dict, so a global rebound later is seen); ipwhitelist's names are closure
variables of a factory, so ccxt's module is not touched.

A copy is made only when it is provably ccxt's function: its source, compiled
the same way without the guards, must give the running function's bytecode,
constants and names. Anything unexpected (no source, a decorated or closing
function, other bytecode, not exactly one ``handle_errors`` call passing nine
plain names or constants) keeps the separate guards, and says why at debug level.
"""

from __future__ import annotations
import __future__

import ast
import copy
import functools
import inspect
import linecache
import logging
import textwrap
import types
from typing import TYPE_CHECKING, Any, TypeAlias

import ccxt

from .guard import (
    Classifier,
    Inspector,
    Look,
    Raises,
    returned_async,
    returned_sync,
    throw,
    typed_async,
    typed_sync,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ..errors import IPRejection

__all__ = ["Keep", "TypedHttp", "inline_fetch", "inline_guard", "is_inlined", "kept"]

logger = logging.getLogger("ipwhitelist")

#: Turns (client, handle_errors' error, status, url, method, headers, body) into
#: a rejection, or None: re-raise the error itself.
TypedHttp: TypeAlias = "Callable[[Any, BaseException, Any, Any, Any, Any, Any], IPRejection | None]"

# ccxt's handle_errors(code, reason, url, method, headers, body, response,
# requestHeaders, requestBody): the positions typed_http reads.
_HANDLE_ERRORS_ARGS = 9
_STATUS, _URL, _METHOD, _HEADERS, _BODY = 0, 2, 3, 4, 5

_PREFIX = "_ipwhitelist_"
_FACTORY = f"{_PREFIX}factory"
_FREE = tuple(
    f"{_PREFIX}{n}" for n in ("BaseError", "throw", "typed_async", "classify", "typed_http")
)
_FUTURE_FLAGS = functools.reduce(
    lambda flags, name: flags | getattr(__future__, name).compiler_flag,
    __future__.all_feature_names,
    0,
)

# Per ccxt function (every exchange class shares ccxt's one Exchange.fetch)
# and handlers: the inlined copy, or None when it fell back. Strong
# references, as ccxt's functions live as long as the process.
_inlined: dict[tuple[object, ...], Callable[..., Any] | None] = {}
# The module-level imports of each source file (`_module_imports`), read once.
_imports: dict[str, list[str]] = {}
_codes: set[types.CodeType] = set()


class _Unfit(Exception):  # noqa: N818 - a reason to fall back, never raised to a caller
    """Why ccxt's ``fetch`` is not inlined; the guards are used instead."""


def inline_fetch(
    cls: type, func: object, *, classify: Classifier, typed_http: TypedHttp
) -> Callable[..., Any] | None:
    """
    A copy of ccxt's async *func* (``fetch``) with the guards inlined; None: guard it apart.

    Built once per ccxt function, under the wrapped classes' lock.
    """
    key = (func, classify, typed_http)
    return _cached(cls, func, key, lambda: _build(func, classify, typed_http))


def _cached(
    cls: type, func: object, key: tuple[object, ...], build: Callable[[], Any]
) -> Callable[..., Any] | None:
    """What *build* makes of *func* for the handlers in *key*, once; None (logged): unfit."""
    if key in _inlined:
        return _inlined[key]
    try:
        found: Callable[..., Any] | None = build()
    except _Unfit as why:
        name = getattr(func, "__name__", "?")
        logger.debug("ipwhitelist: %s.%s is guarded, not inlined: %s", cls.__name__, name, why)
        found = None
    _inlined[key] = found
    return found


def is_inlined(code: object) -> bool:
    """Whether *code* is the code of an inlined ``fetch`` (its frames carry ccxt's file name)."""
    return code in _codes


def _build(func: object, classify: Classifier, typed_http: TypedHttp) -> Callable[..., Any]:
    if not (isinstance(func, types.FunctionType) and inspect.iscoroutinefunction(func)):
        raise _Unfit(f"{func!r} is not a plain coroutine function")
    func, tree, node = _checked(func)
    assert isinstance(node, ast.AsyncFunctionDef)  # noqa: S101 - checked by _parse
    _inline(node)
    return _made(
        tree,
        node,
        func,
        dict(zip(_FREE, (ccxt.BaseError, throw, typed_async, classify, typed_http), strict=True)),
    )


def _checked(
    func: object,
) -> tuple[types.FunctionType, ast.Module, ast.FunctionDef | ast.AsyncFunctionDef]:
    """
    *func*, its parsed source and its ``def``: only if the source provably is the running code.

    The strict drift check: the source, compiled as the copy will be, must
    give the running function's bytecode, names and constants.
    """
    if not isinstance(func, types.FunctionType):
        raise _Unfit(f"{func!r} is not a plain function")
    code = func.__code__
    if code.co_flags & (inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR):
        raise _Unfit("it is a generator")
    if code.co_freevars or any(n.startswith(_PREFIX) for n in code.co_names + code.co_varnames):
        raise _Unfit("it is a closure or uses ipwhitelist's names")
    tree = _parse(func)
    node = tree.body[-1]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)  # noqa: S101 - checked by _parse
    if not _same(_compiled(tree, func, node.name), code):
        raise _Unfit("its source does not compile to the running bytecode")
    return func, tree, node


def _made(
    tree: ast.Module,
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    func: types.FunctionType,
    free: dict[str, object],
) -> Callable[..., Any]:
    """
    Compile *tree*, whose last statement is *node* (the changed *func*), into a function.

    *node* is defined in a factory whose parameters are the names of *free*,
    so they are closure variables of the copy and the module of *func* is
    not touched; the copy runs in that module's own globals.
    """
    code = func.__code__
    # The copy's defaults and annotations are the original's objects (set
    # below), not evaluated again: in the factory a default naming a class
    # attribute would raise NameError, and one with a side effect run twice.
    _bare(node.args)
    node.returns = None
    factory = ast.FunctionDef(
        name=_FACTORY,
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(arg=n) for n in free],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        ),
        body=[node, ast.Return(value=ast.Name(id=node.name, ctx=ast.Load()))],
        decorator_list=[],
    )
    _place(factory, node, deep=False)
    tree.body[-1] = factory
    ast.fix_missing_locations(tree)
    namespace: dict[str, Any] = {}
    try:
        # The module's own globals, so the copy reads what the original reads.
        exec(_compile(tree, func), func.__globals__, namespace)  # noqa: S102 - the library's own source, checked against its bytecode
        made = namespace[_FACTORY](*free.values())
    except Exception as exc:  # noqa: BLE001 - whatever it is, the separate guards serve
        raise _Unfit(f"its copy cannot be made ({type(exc).__name__}: {exc})") from None
    # The very default objects the original holds.
    made.__defaults__, made.__kwdefaults__ = func.__defaults__, func.__kwdefaults__
    made.__code__ = made.__code__.replace(co_qualname=code.co_qualname)
    _codes.add(made.__code__)
    return functools.update_wrapper(made, func)


def _bare(args: ast.arguments) -> None:
    """Replace every default of *args* by None and drop the annotations."""
    args.defaults = [ast.Constant(value=None) for _ in args.defaults]
    args.kw_defaults = [None if d is None else ast.Constant(value=None) for d in args.kw_defaults]
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
        if arg is not None:
            arg.annotation = None


def _parse(func: types.FunctionType) -> ast.Module:
    """The source of *func*: one undecorated (async) ``def``, at its lines in its file."""
    try:
        tree = ast.parse(_source(func))
    except (OSError, TypeError, SyntaxError) as exc:
        raise _Unfit(f"its source cannot be read ({exc})") from None
    node = tree.body[0] if len(tree.body) == 1 else None
    kind = ast.AsyncFunctionDef if inspect.iscoroutinefunction(func) else ast.FunctionDef
    if not (isinstance(node, kind) and node.name == func.__name__ and not node.decorator_list):
        what = "async def" if kind is ast.AsyncFunctionDef else "def"
        raise _Unfit(f"its source is not one undecorated {what}")
    # The source was dedented, and so was a docstring of several lines;
    # CPython 3.11 keeps a docstring's indentation: give it back.
    if ast.get_docstring(node, clean=False) is not None and isinstance(func.__doc__, str):
        first = node.body[0]
        assert isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)  # noqa: S101, PT018 - get_docstring said so
        first.value.value = func.__doc__
    # Tracebacks and the drift check see the function's line numbers.
    ast.increment_lineno(tree, func.__code__.co_firstlineno - node.lineno)
    # CPython compiles ``module.attr(...)`` differently when ``module`` is
    # imported at the top of the module: the imports are declared (not run).
    imported = _module_imports(func)
    if imported:
        declared = ast.If(
            test=ast.Constant(value=False),
            body=[ast.Import(names=[ast.alias(name=n) for n in imported])],
            orelse=[],
        )
        tree.body.insert(0, declared)
        ast.fix_missing_locations(tree)
    return tree


def _source(func: types.FunctionType) -> str:
    """The source of *func* as Python holds it (``linecache``), dedented."""
    return textwrap.dedent(inspect.getsource(func))


def _module_imports(func: types.FunctionType) -> list[str]:
    """The names the top level of *func*'s module binds by ``import`` (its file, read again)."""
    code = func.__code__
    found = _imports.get(code.co_filename)
    if found is None:
        found = _imports[code.co_filename] = _read_imports(func)
    return found


def _read_imports(func: types.FunctionType) -> list[str]:
    code = func.__code__
    try:
        module = ast.parse("".join(linecache.getlines(code.co_filename, func.__globals__)))
    except SyntaxError as exc:  # pragma: no cover - the file getsource just read
        raise _Unfit(f"its module cannot be parsed ({exc})") from None
    # Not inside functions and classes: their imports are local.
    names = [
        a.asname or a.name.partition(".")[0]
        for node in _own_nodes(module)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for a in node.names
        if a.name != "*"
    ]
    return sorted(set(names))


def _compile(tree: ast.Module, func: types.FunctionType) -> types.CodeType:
    code = func.__code__
    return compile(  # type: ignore[no-any-return]
        tree, code.co_filename, "exec", flags=code.co_flags & _FUTURE_FLAGS, dont_inherit=True
    )


def _compiled(tree: ast.Module, func: types.FunctionType, name: str) -> types.CodeType:
    """The code object of *name* compiled from *tree* (left unchanged)."""
    module = _compile(tree, func)
    (found,) = (c for c in module.co_consts if isinstance(c, types.CodeType) and c.co_name == name)
    return found


def _same(a: types.CodeType, b: types.CodeType) -> bool:
    """The same bytecode, names and constants (line and column positions aside)."""
    fields = (
        "co_code",
        "co_names",
        "co_varnames",
        "co_cellvars",
        "co_freevars",
        "co_argcount",
        "co_posonlyargcount",
        "co_kwonlyargcount",
        "co_flags",
    )
    if any(getattr(a, f) != getattr(b, f) for f in fields) or len(a.co_consts) != len(b.co_consts):
        return False
    for x, y in zip(a.co_consts, b.co_consts, strict=True):
        if isinstance(x, types.CodeType) and isinstance(y, types.CodeType):
            if not _same(x, y):
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True


def _inline(node: ast.AsyncFunctionDef) -> None:
    """Write the two guards into *node*, ccxt's ``fetch``."""
    if any(isinstance(n, _SCOPES) for n in ast.walk(node) if n is not node):
        raise _Unfit("it defines nested functions or classes")
    if not node.args.args:
        raise _Unfit("it takes no self")
    client = node.args.args[0].arg
    calls = [
        n for n in ast.walk(node) if isinstance(n, ast.Attribute) and n.attr == "handle_errors"
    ]
    guarded = _HandleErrors(client)
    guarded.visit(node)
    if len(calls) != 1 or guarded.count != 1:
        raise _Unfit("it does not make exactly one handle_errors call as a statement")
    _guard_body(
        node, f"throw(await {_PREFIX}typed_async({_PREFIX}exc, {_PREFIX}classify, ({client},)))"
    )


def _guard_body(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    action: str,
    *,
    catch: str = "BaseError",
    before: Sequence[ast.stmt] = (),
) -> None:
    """
    Put *node*'s body (its docstring aside) in `_handler`'s try, placed at the ``def``.

    *before* runs in the handler, before *action*.
    """
    body = node.body
    docstring = [body[0]] if ast.get_docstring(node) is not None else []
    rest = body[len(docstring) :]
    if not rest:
        raise _Unfit("it has nothing but a docstring")
    guard = _handler(action, node, catch=catch)
    if before:
        handler = guard.handlers[0]
        handler.body[:0] = copy.deepcopy(before)
        for part in handler.body[: len(before)]:
            _place(part, node, deep=True)
    guard.body = rest
    node.body = [*docstring, guard]


class _HandleErrors(ast.NodeTransformer):
    """Puts the ``self.handle_errors(...)`` statement inside the wrapper's try/except."""

    def __init__(self, client: str) -> None:
        self.client = client
        self.count = 0

    def visit_Expr(self, stmt: ast.Expr) -> ast.AST:
        call = stmt.value
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "handle_errors"
            and isinstance(call.func.value, ast.Name)
            and call.func.value.id == self.client
            and not call.keywords
            and len(call.args) == _HANDLE_ERRORS_ARGS
            and all(isinstance(a, ast.Name | ast.Constant) for a in call.args)
        ):
            return stmt
        self.count += 1
        # Plain names and constants: reading them again in the handler is safe.
        args = ", ".join(
            ast.unparse(call.args[i]) for i in (_STATUS, _URL, _METHOD, _HEADERS, _BODY)
        )
        guarded = _handler(
            f"throw({_PREFIX}typed_http({self.client}, {_PREFIX}exc, {args}))",
            stmt,
        )
        guarded.body = [stmt]
        return guarded


def _handler(action: str, anchor: ast.AST, *, catch: str = "BaseError") -> ast.Try:
    """``try: ... except <catch>: <action>; raise``, placed at *anchor*'s lines."""
    template = textwrap.dedent(
        f"""
        async def template():
            try:
                pass
            except {_PREFIX}{catch} as {_PREFIX}exc:
                {_PREFIX}{action}
                raise
        """
    )
    function = ast.parse(template).body[0]
    assert isinstance(function, ast.AsyncFunctionDef)  # noqa: S101 - the template above
    try_ = function.body[0]
    assert isinstance(try_, ast.Try)  # noqa: S101 - the template above
    _place(try_, anchor, deep=True)
    return try_


def _place(node: ast.AST, anchor: ast.AST, *, deep: bool) -> None:
    """Give *node* (and, if *deep*, every node in it) the position of *anchor*."""
    for part in ast.walk(node) if deep else (node,):
        if "lineno" in part._attributes:
            ast.copy_location(part, anchor)
            part.end_lineno = anchor.lineno  # type: ignore[attr-defined]
            part.end_col_offset = anchor.col_offset  # type: ignore[attr-defined]


# -- an SDK's choke point ---------------------------------------------------------
#
# The same, for the method of an SDK that every REST call goes through
# (python-binance's ``_request``, ``AsyncClient._handle_response``,
# python-okx's ``_request``): the guard written into the function, so a
# successful call runs the SDK's bytecode and nothing else but, for an SDK
# that returns errors as data, the check of its result. The same proof is
# required: the SDK's source, compiled the same way, must give the running
# bytecode.
#
# * The raised-error guard (`guard.guard_sync` / `guard_async`) goes around
#   the body.
# * The returned-error guard (`guard.guard_returned_sync` / ``_async``): each
#   ``return value`` becomes "keep the value, look at it, hand a rejection
#   found to `returned_sync` / ``_async`` and `throw`, return the value", and
#   the end of the body returns None the same way. Only when no ``return``
#   stands in a ``try`` or ``with`` of the SDK's own: a handler of the SDK
#   would otherwise catch the rejection raised there, and a ``finally`` run
#   after the look.

_GUARD_FREE = tuple(f"{_PREFIX}{n}" for n in ("catch", "throw", "typed", "classify"))
_RETURNED_FREE = tuple(f"{_PREFIX}{n}" for n in ("look", "inspect", "raises", "returned"))


def inline_guard(
    cls: type,
    func: object,
    *,
    classify: Classifier | None,
    catch: Any,
    look: Look | None = None,
    inspect: Inspector | None = None,
    raises: Raises | None = None,
    keep: Keep | None = None,
) -> Callable[..., Any] | None:
    """
    *func* recompiled with its guards written in; None: guard it apart.

    Built once per function and handlers. *classify* and *catch* are what
    `guard.guard_sync` would be given (*classify* None: no raised-error
    guard); *look*, *inspect* and *raises*, given together, what
    `guard.guard_returned_sync` would be given. *keep*: (the name of *func*'s
    local variable that holds the HTTP response, the function given the
    client and that response before a handler runs); the copy then has
    `kept` set to that name.
    """
    handlers = (look, inspect, raises)
    if any(h is None for h in handlers) and any(h is not None for h in handlers):
        raise TypeError("look, inspect and raises go together")
    if classify is None:
        catch = ()
    key = (func, classify, catch, *handlers, keep)
    return _cached(
        cls, func, key, lambda: _build_guard(func, classify, catch, look, inspect, raises, keep)
    )


#: (a local variable's name, a function given the client, its value, and the
#: error being handled or None: a returned error).
Keep: TypeAlias = "tuple[str, Callable[[Any, Any, BaseException | None], None]]"


def kept(func: object) -> str | None:
    """The local variable whose value an inlined copy hands to its *keep* function, or None."""
    found = getattr(func, _KEPT, None)
    return found if isinstance(found, str) else None


def _build_guard(  # noqa: PLR0917 - inline_guard's arguments
    func: object,
    classify: Classifier | None,
    catch: Any,
    look: Look | None,
    inspect: Inspector | None,
    raises: Raises | None,
    keep: Keep | None,
) -> Callable[..., Any]:
    if not getattr(getattr(func, "__code__", None), "co_argcount", 0):
        raise _Unfit(f"{func!r} takes no self")
    func, tree, node = _checked(func)
    client = node.args.posonlyargs[0].arg if node.args.posonlyargs else node.args.args[0].arg
    if any(
        isinstance(n, ast.Name) and n.id == client and not isinstance(n.ctx, ast.Load)
        for n in ast.walk(node)
    ):
        # The handlers name the client after the body ran.
        raise _Unfit(f"it assigns to {client}")
    is_async = isinstance(node, ast.AsyncFunctionDef)
    wait = "await " if is_async else ""
    free: dict[str, object] = {}
    if keep is not None:
        free[f"{_PREFIX}keep"] = keep[1]
    if look is not None:
        _check_returns(node, client, wait, _kept(node, client, keep, "None"))
        free |= dict(
            zip(
                _RETURNED_FREE,
                (look, inspect, raises, returned_async if is_async else returned_sync),
                strict=True,
            )
        )
    _guard_body(
        node,
        f"throw({wait}{_PREFIX}typed({_PREFIX}exc, {_PREFIX}classify, ({client},)))",
        catch="catch",
        before=_kept(node, client, keep, f"{_PREFIX}exc"),
    )
    typed = typed_async if is_async else typed_sync
    free |= dict(zip(_GUARD_FREE, (catch, throw, typed, classify), strict=True))
    made = _made(tree, node, func, free)
    if keep is not None:
        setattr(made, _KEPT, keep[0])
    return made


_KEPT = f"{_PREFIX}kept"


def _kept(
    node: ast.FunctionDef | ast.AsyncFunctionDef, client: str, keep: Keep | None, error: str
) -> list[ast.stmt]:
    """
    The statements handing the response local to *keep*, with *error* (none without it).

    The local must be assigned in the function's own body (not a nested
    one); where it is not bound yet, nothing is handed over (NameError).
    """
    if keep is None:
        return []
    name = keep[0]
    if not name.isidentifier() or not any(
        isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
        for n in _own_nodes(node, comprehensions=False)
    ):
        raise _Unfit(f"it has no local variable {name!r}")
    # Read apart from the call: a NameError raised in keep is not swallowed.
    return ast.parse(
        textwrap.dedent(
            f"""
            try:
                {_PREFIX}value = {name}
            except NameError:
                {_PREFIX}value = None
            {_PREFIX}keep({client}, {_PREFIX}value, {error})
            del {_PREFIX}value
            """
        )
    ).body


def _check_returns(
    node: ast.FunctionDef | ast.AsyncFunctionDef, client: str, wait: str, before: list[ast.stmt]
) -> None:
    """
    Make each ``return`` of *node* (and the end of its body) look at its value first.

    *before* runs when the look found something; then it looks again, and
    what it found is inspected.
    """
    p = _PREFIX
    template = textwrap.dedent(
        f"""
        {p}result = None
        {p}found = {p}look({client}, {p}result)
        if {p}found is not None:
            pass
            {p}throw({wait}{p}returned({p}inspect(({client},), {p}found), {p}raises, ({client},)))
        return {p}result
        """
    )
    returns = _Returns(template, before)
    node.body = [s for stmt in node.body for s in returns.statements(stmt)]
    last = node.body[-1] if node.body else None
    if not isinstance(last, ast.Return | ast.Raise):
        # Falling off the end returns None, which is looked at too.
        end = ast.Return(value=None)
        ast.copy_location(end, last or node)
        node.body.extend(returns.visit_Return(end))


class _Returns(ast.NodeTransformer):
    """Turns each ``return`` of a function (not of a nested one) into the checked return."""

    def __init__(self, template: str, before: list[ast.stmt]) -> None:
        self.template = template
        self.before = before

    def statements(self, stmt: ast.stmt) -> list[ast.stmt]:
        found = self.visit(stmt)
        return found if isinstance(found, list) else [found]

    def visit_Return(self, stmt: ast.Return) -> list[ast.stmt]:
        made = ast.parse(self.template).body
        first = made[0]
        assert isinstance(first, ast.Assign)  # noqa: S101 - the template above
        first.value = stmt.value if stmt.value is not None else ast.Constant(value=None)
        found = made[2]
        assert isinstance(found, ast.If)  # noqa: S101 - the template above
        # The template's pass. With statements handing the response over, the
        # result is looked at again after them: the look reads the response
        # kept for this call (the first one, on the success path, cannot).
        again = [copy.deepcopy(made[1])] if self.before else []
        found.body[:1] = [*copy.deepcopy(self.before), *again]
        for part in made:
            _place(part, stmt, deep=part is not first)
        _place(first.targets[0], stmt, deep=False)
        return made

    # A handler or ``finally`` of the SDK's would run around the look.

    def visit_Try(self, node: ast.Try) -> ast.AST:
        return _refused(node)

    def visit_TryStar(self, node: ast.TryStar) -> ast.AST:
        return _refused(node)

    def visit_With(self, node: ast.With) -> ast.AST:
        return _refused(node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> ast.AST:
        return _refused(node)

    # A nested function's or class's returns are its own.

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        return node


def _refused(node: ast.AST) -> ast.AST:
    """*node*, unless a ``return`` of the function stands in it (`_Unfit`)."""
    if any(isinstance(n, ast.Return) for n in _own_nodes(node)):
        raise _Unfit(f"it returns from inside a {type(node).__name__.lower()} block")
    return node


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _own_nodes(node: ast.AST, *, comprehensions: bool = True) -> list[ast.AST]:
    """
    The nodes in *node*, not descending into nested functions and classes.

    Nor into comprehensions unless *comprehensions*: their names are their own.
    """
    stop = _SCOPES if comprehensions else (*_SCOPES, *_COMPREHENSIONS)
    found: list[ast.AST] = []
    pending = list(ast.iter_child_nodes(node))
    while pending:
        part = pending.pop()
        found.append(part)
        if not isinstance(part, stop):
            pending.extend(ast.iter_child_nodes(part))
    return found
