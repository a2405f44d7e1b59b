"""db.unsaved / db.as_loaded / db.adopt / db.attached_copy: objects made without the
constructor's attribute events, or registered in a session without `Session.add` or `merge`,
behave as the session's own: nothing to flush until changed, and changes written as usual."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from gateway.db import adopt, as_loaded, attached_copy, unsaved


class _Base(DeclarativeBase):
    pass


META = _Base.metadata  # the tables `core_engine` creates


class Item(_Base):
    __tablename__ = "loaded_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(20))
    qty: Mapped[int | None]


class Shelf(_Base):
    __tablename__ = "loaded_shelves"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(20))
    books: Mapped[list[Book]] = relationship(back_populates="shelf")


class Book(_Base):
    __tablename__ = "loaded_books"

    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(sa.ForeignKey("loaded_shelves.id"))
    title: Mapped[str] = mapped_column(sa.String(20))
    shelf: Mapped[Shelf] = relationship(back_populates="books")


def _written(engine) -> tuple:
    """The item's row as the database holds it."""
    with engine.connect() as conn:
        return tuple(conn.execute(sa.select(Item.name, Item.qty)).one())


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
    assert _written(core_engine) == ("a", 5)


def test_an_unsaved_object_is_inserted_with_its_values(core_engine):
    with Session(core_engine) as session:
        item = unsaved(Item, {"name": "b", "qty": None})
        item.qty = 3  # tracked like a constructed object's change
        session.add(item)
        assert list(session.new) == [item]
        session.commit()
        assert item.id is not None
    assert _written(core_engine) == ("b", 3)


def _statements(engine):
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_an_adopted_row_is_the_sessions_own_without_a_read(core_engine):
    """`adopt`: the row just written by Core, its object made persistent as `as_loaded` +
    `Session.add` made it: in the identity map, nothing to flush, changes written."""
    with Session(core_engine) as session:
        session.execute(sa.insert(Item).values(id=7, name="c", qty=1))
        item = unsaved(Item, {"id": 7, "name": "c", "qty": 1})
        item.qty = 1  # a change made before the row was written is the row's value, no history
        seen = _statements(core_engine)
        assert adopt(session, item) is item
        assert sa.inspect(item).persistent and item in session
        assert not session.new and not session.dirty
        assert session.get(Item, 7) is item and seen == []
        item.name = "d"
        assert list(session.dirty) == [item]
        session.commit()
    assert _written(core_engine) == ("d", 1)


def test_adopting_an_identity_the_session_holds_is_refused(core_engine):
    with Session(core_engine) as session:
        session.execute(sa.insert(Item).values(id=8, name="e", qty=None))
        held = session.get(Item, 8)
        with pytest.raises(sa.exc.InvalidRequestError):
            adopt(session, unsaved(Item, {"id": 8, "name": "e", "qty": None}))
        assert session.get(Item, 8) is held
        with pytest.raises(sa.exc.InvalidRequestError):
            adopt(session, held)  # not transient


def _detached_shelf() -> Shelf:
    """A detached shelf with its books loaded, as the token cache keeps its snapshots."""
    shelf = as_loaded(Shelf, {"id": 1, "label": "A"})
    books = [as_loaded(Book, {"id": n, "shelf_id": 1, "title": f"t{n}"}) for n in (1, 2)]
    set_committed_value(shelf, "books", books)
    return shelf


def test_an_attached_copy_is_what_merge_without_load_gives(core_engine):
    """`attached_copy`: the session's own copies of the object and of its loaded
    relationships, with no statement; the snapshot stays detached and reusable."""
    with Session(core_engine) as session:
        session.execute(sa.insert(Shelf).values(id=1, label="A"))
        session.execute(sa.insert(Book).values([dict(id=1, shelf_id=1, title="t1"),
                                                 dict(id=2, shelf_id=1, title="t2")]))
        snapshot = _detached_shelf()
        seen = _statements(core_engine)
        shelf = attached_copy(session, snapshot)
        assert shelf is not snapshot and sa.inspect(snapshot).detached
        assert sa.inspect(shelf).persistent and not session.new and not session.dirty
        assert [b.title for b in shelf.books] == ["t1", "t2"]  # loaded: no lazy load
        assert all(sa.inspect(b).persistent for b in shelf.books)
        assert session.get(Shelf, 1) is shelf and session.get(Book, 2) is shelf.books[1]
        assert seen == []
        with Session(core_engine) as other:  # what merge(load=False) makes of the same
            by_merge = other.merge(_detached_shelf(), load=False)
            assert sa.inspect(by_merge).persistent and not other.dirty
            assert set(sa.inspect(by_merge).dict) == set(sa.inspect(shelf).dict)
            assert (by_merge.id, by_merge.label, [(b.id, b.title) for b in by_merge.books]) \
                == (shelf.id, shelf.label, [(b.id, b.title) for b in shelf.books])
        shelf.books[0].title = "changed"
        session.commit()
    with core_engine.connect() as conn:
        assert conn.execute(sa.select(Book.title).where(Book.id == 1)).scalar() == "changed"
        assert conn.execute(sa.select(sa.func.count()).select_from(Book)).scalar() == 2


def test_an_attached_copy_of_an_object_the_session_holds_is_merged(core_engine):
    with Session(core_engine) as session:
        session.execute(sa.insert(Shelf).values(id=1, label="old"))
        held = session.get(Shelf, 1)
        snapshot = as_loaded(Shelf, {"id": 1, "label": "new"})
        assert attached_copy(session, snapshot) is held
        assert held.label == "new"  # merge(load=False) copies the snapshot's values
