using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Labbook.Queue;

namespace Labbook.Tests.Queue;

public class QueueJournalTests
{
    private static QueueItem Item(string id, params string[] argv) => new() { Id = id, Argv = [.. argv] };

    [Fact]
    public void Replays_adds_leases_and_ends_into_states()
    {
        using var dir = new TempDir();
        using (var j = new QueueJournal(dir.File("queue.jsonl")))
        {
            j.Append(new QueueOp { Op = QueueOp.Add, Item = Item("q1", "true") }, new QueueOp { Op = QueueOp.Add, Item = Item("q2", "false") });
            j.Append(new QueueOp { Op = QueueOp.LeaseOp, Id = "q1", Lease = "L1", Runner = "r" });
            j.Append(new QueueOp { Op = QueueOp.End, Id = "q1", Lease = "L1", State = "done" });
            j.Append(new QueueOp { Op = QueueOp.LeaseOp, Id = "q2", Lease = "L2", Runner = "r" });
        }
        using var fresh = new QueueJournal(dir.File("queue.jsonl"));
        Assert.Equal(ItemState.Done, fresh.State.Items["q1"].State);
        Assert.Equal(ItemState.Running, fresh.State.Items["q2"].State);
        Assert.Equal(3, fresh.State.NextNumber);
        Assert.Empty(fresh.Issues);
    }

    [Fact]
    public void Reader_ignores_a_torn_last_line_and_the_next_writer_cuts_it_off()
    {
        using var dir = new TempDir();
        var path = dir.File("queue.jsonl");
        using (var j = new QueueJournal(path))
        {
            j.Append(new QueueOp { Op = QueueOp.Add, Item = Item("q1", "true") });
        }
        File.AppendAllText(path, "{\"op\":\"add\",\"t\":\"2026-01-01T00:00:00Z\",\"item\":{\"id\":\"q2\",\"ar");
        using (var reader = new QueueJournal(path))
        {
            Assert.Single(reader.State.Items);
            Assert.Empty(reader.Issues);
        }
        using (var writer = new QueueJournal(path))
        {
            writer.Append(new QueueOp { Op = QueueOp.Add, Item = Item("q2", "true") });
        }
        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("{\"op\":\"add\"", l, StringComparison.Ordinal));
        using var again = new QueueJournal(path);
        Assert.Equal(2, again.State.Items.Count);
        Assert.Empty(again.Issues);
    }

    [Fact]
    public void A_malformed_line_is_reported_with_its_line_number_and_skipped()
    {
        using var dir = new TempDir();
        var path = dir.File("queue.jsonl");
        using (var j = new QueueJournal(path))
        {
            j.Append(new QueueOp { Op = QueueOp.Add, Item = Item("q1", "true") });
        }
        File.AppendAllText(path, "not json\n");
        using (var j = new QueueJournal(path))
        {
            j.Append(new QueueOp { Op = QueueOp.Add, Item = Item("q2", "true") });
        }
        using var r = new QueueJournal(path);
        Assert.Equal(2, r.State.Items.Count);
        var issue = Assert.Single(r.Issues);
        Assert.Contains("line 2", issue, StringComparison.Ordinal);
    }

    [Fact]
    public void Incremental_refresh_sees_what_another_writer_appended()
    {
        using var dir = new TempDir();
        var path = dir.File("queue.jsonl");
        using var a = new QueueJournal(path);
        using var b = new QueueJournal(path);
        b.Append(new QueueOp { Op = QueueOp.Add, Item = Item("q1", "true") });
        Assert.Empty(a.State.Items);
        Assert.True(a.Refresh());
        Assert.Single(a.State.Items);
        // A writer always catches up under the lock, so ids never collide.
        var id = a.Write(w => "q" + w.State.NextNumber);
        Assert.Equal("q2", id);
    }

    [Fact]
    public void Retries_requeue_failures_until_the_limit_and_interruptions_until_three()
    {
        var s = new QueueState();
        s.Apply(new QueueOp { Op = QueueOp.Add, Item = new QueueItem { Id = "q1", Argv = ["x"], Retries = 1 } });
        void Attempt(string lease, string end)
        {
            s.Apply(new QueueOp { Op = QueueOp.LeaseOp, Id = "q1", Lease = lease, Runner = "r" });
            s.Apply(new QueueOp { Op = QueueOp.End, Id = "q1", Lease = lease, State = end });
        }
        Attempt("a", "failed");
        Assert.Equal(ItemState.Pending, s.Items["q1"].State);
        Attempt("b", "interrupted");
        Attempt("c", "interrupted");
        Assert.Equal(ItemState.Pending, s.Items["q1"].State);
        Attempt("d", "failed");
        Assert.Equal(ItemState.Failed, s.Items["q1"].State);
        Assert.Equal(4, s.Items["q1"].Attempts);
    }

    [Fact]
    public void A_stale_lease_cannot_end_or_take_an_item()
    {
        var s = new QueueState();
        s.Apply(new QueueOp { Op = QueueOp.Add, Item = new QueueItem { Id = "q1", Argv = ["x"] } });
        s.Apply(new QueueOp { Op = QueueOp.LeaseOp, Id = "q1", Lease = "a", Runner = "r1" });
        s.Apply(new QueueOp { Op = QueueOp.LeaseOp, Id = "q1", Lease = "b", Runner = "r2" });
        Assert.Equal("a", s.Items["q1"].Lease!.Id);
        s.Apply(new QueueOp { Op = QueueOp.End, Id = "q1", Lease = "b", State = "done" });
        Assert.Equal(ItemState.Running, s.Items["q1"].State);
    }

    [Fact]
    public void Priority_then_queue_order_and_move()
    {
        var s = new QueueState();
        foreach (var (id, p) in new[] { ("q1", 0), ("q2", 0), ("q3", 5), ("q4", 0) })
        {
            s.Apply(new QueueOp { Op = QueueOp.Add, Item = new QueueItem { Id = id, Argv = ["x"], Priority = p } });
        }
        Assert.Equal(["q3", "q1", "q2", "q4"], s.PendingInRunOrder().Select(v => v.Id));
        s.Apply(new QueueOp { Op = QueueOp.Move, Id = "q4", Before = "q1" });
        Assert.Equal(["q3", "q4", "q1", "q2"], s.PendingInRunOrder().Select(v => v.Id));
        s.Apply(new QueueOp { Op = QueueOp.Remove, Ids = ["q1"] });
        Assert.Equal(["q3", "q4", "q2"], s.PendingInRunOrder().Select(v => v.Id));
        Assert.Equal(2, s.PositionOf("q2"));
    }

    private static readonly Gen<QueueOp> GenOp =
        Gen.Select(Gen.Int[0, 4], Gen.String[Gen.Char.AlphaNumeric, 1, 6], Gen.String[Gen.Char[' ', '\u00ff'], 0, 12], Gen.Int[-3, 3], Gen.Double[-1e6, 1e6])
           .Select(t =>
           {
               var (kind, id, text, n, x) = t;
               return kind switch
               {
                   0 => new QueueOp { Op = QueueOp.Add, T = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), Item = new QueueItem { Id = "q" + id, Argv = ["run", text], Params = new() { ["x"] = JsonValue.Create(x), ["s"] = JsonValue.Create(text) }, Why = text, Priority = n } },
                   1 => new QueueOp { Op = QueueOp.LeaseOp, T = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), Id = "q" + id, Lease = "L" + id, Runner = "r", Slot = text },
                   2 => new QueueOp { Op = QueueOp.End, T = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), Id = "q" + id, Lease = "L" + id, State = n > 0 ? "done" : "failed", Reason = text, Exit = n },
                   3 => new QueueOp { Op = QueueOp.Remove, T = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), Ids = ["q" + id] },
                   _ => new QueueOp { Op = QueueOp.Move, T = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), Id = "q" + id, Before = n > 0 ? "q" + text : null },
               };
           });

    private static string Fingerprint(QueueState s)
    {
        var sb = new StringBuilder();
        foreach (var v in s.Items.Values.OrderBy(v => v.Id, StringComparer.Ordinal))
        {
            sb.Append(v.Id).Append(':').Append(v.State).Append(':').Append(v.Attempts).Append(':').Append(v.Lease?.Id).Append(':').Append(v.LastReason)
              .Append(':').Append(string.Join(',', v.Item.Argv)).Append(':').Append(v.Item.Why).Append(':').Append(v.Item.Params.Count).Append(';');
        }
        sb.Append(string.Join(',', s.Ordered.Select(v => v.Id)));
        return sb.ToString();
    }

    [Fact]
    public void Property_written_ops_replay_to_the_same_state()
    {
        GenOp.List[0, 40].Sample(ops =>
        {
            using var dir = new TempDir();
            var memory = new QueueState();
            using (var j = new QueueJournal(dir.File("queue.jsonl")))
            {
                foreach (var op in ops)
                {
                    j.Append(op);
                }
                Assert.Equal(ops.Count, j.State.OpCount);
            }
            foreach (var op in ops)
            {
                memory.Apply(op);
            }
            using var replayed = new QueueJournal(dir.File("queue.jsonl"));
            Assert.Empty(replayed.Issues);
            Assert.Equal(Fingerprint(memory), Fingerprint(replayed.State));
        }, iter: 60);
    }
}
