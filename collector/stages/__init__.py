"""The pipeline's stages, one module each.

A stage is a function ``(hit, context) -> DropReason | None``.  It reads the
hit and the context, writes only to the hit it is given, and returns a reason
when the hit must not be stored.
"""
