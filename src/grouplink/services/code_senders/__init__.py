"""How sign-in codes reach people: one protocol, one module per sender.

``GROUPLINK_CODE_SENDER`` picks one (:func:`build_sender`):

- ``log``: the server log, for local sandboxes (:mod:`.log`);
- ``whatsapp``: a WhatsApp authentication template through the Cloud API (:mod:`.whatsapp`);
- ``webhook``: a signed JSON POST to a URL of yours, for any SMS provider (:mod:`.webhook`);
- ``package.module:factory``: a callable with no arguments that returns a
  :class:`CodeSender` of your own.
"""

from grouplink.services.code_senders.choose import SenderRefused, build_sender
from grouplink.services.code_senders.protocol import CodeSender, SendFailed

__all__ = ["CodeSender", "SendFailed", "SenderRefused", "build_sender"]
