"""db.unsaved / db.as_loaded: objects made without the constructor's attribute events behave
as the session's own: nothing to flush until changed, and changes written as usual."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from gateway.db import as_loaded, unsaved


class _Base(DeclarativeBase):
    pass


META = _Base.metadata  # the tables `core_engine` creates


class Item(_Base):
    __tablename__ = "loaded_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(20))
    qty: Mapped[int | None]


def test_a_loaded_row_has_nothing_to_flush_until_it_changes(core_engine):
    with Session(core_engine) as session:
        session.execute(sa.insert(Item).values(id=1, name="a", qty=2))
        item = as_loaded(Item, {"id": 1, "name": "a", "qty": 2})
        session.add(item)
        assert item in session and not session.new and not session.dirty
        assert session.get(Item, 1) is item  # in the identity map under its key
        item.qty = 5
        assert list(session.dirty) == [item]
        session.commit()
    with core_engine.connect() as conn:
        assert conn.execute(sa.select(Item.name, Item.qty)).one() == ("a", 5)


def test_an_unsaved_object_is_inserted_with_its_values(core_engine):
    with Session(core_engine) as session:
        item = unsaved(Item, {"name": "b", "qty": None})
        item.qty = 3  # tracked like a constructed object's change
        session.add(item)
        assert list(session.new) == [item]
        session.commit()
        assert item.id is not None
    with core_engine.connect() as conn:
        assert conn.execute(sa.select(Item.name, Item.qty)).one() == ("b", 3)
