"""Log lines an operator can trust: one line an event, what a client sent
quoted (repr), never at a level that pages an operator for what a client
did. docs/deploy.md, "Health and logs", has the greps."""

import logging


class BadHostFilter(logging.Filter):
    """Django logs a request for a host the site does not serve (a scanner,
    a misdirected client) at ERROR with the exception's traceback, eleven
    lines; here it becomes one line at WARNING, the host quoted."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        host = request.META.get("HTTP_HOST", "") if request is not None else ""
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        record.msg, record.args = "refused a request for a host this site does not serve: %r", (host,)
        return True


# The documented grep for a database outage (docs/deploy.md): anchored to
# the start of a line and its level and logger, which only the site itself
# writes; what a client sends is quoted further along the line, after
# "message=", and can never start a line of its own.
OUTAGE_GREP = r"^\S+ \S+ level=ERROR logger=talks\.views\.site message=database unavailable: "
