"""Errors a user can cause and fix: printed as one line, without a traceback (unless --debug)."""


class UserError(Exception):
    """A mistake in the input, the environment or the invocation, with what to do about it."""

    def __init__(self, problem: str, fix: str | None = None) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(problem if fix is None else f"{problem}. {fix}")
