namespace DigiUsher.ServiceDefaults.Data;

/// <summary>
/// The legal transitions of a status column, as a table: from a state, on an event, to a state.
/// Pure: a service decides with <see cref="Next"/>, and writes its SQL from the same table
/// (<c>where status = any(@from)</c> with <see cref="SourceTexts"/>, <c>set status = @to</c> with
/// <see cref="TargetText"/>), so a row only ever moves along a transition listed here. The SQL keeps
/// what needs a database: leases, newer-wins and compare-and-set guards against concurrent writers.
/// </summary>
/// <typeparam name="TState">The states, stored as <see cref="StatusText"/> in a column whose check constraint lists them.</typeparam>
/// <typeparam name="TEvent">What moves a row.</typeparam>
public sealed class StateMachine<TState, TEvent>
    where TState : struct, Enum
    where TEvent : struct, Enum
{
    private readonly Dictionary<(TState From, TEvent On), TState> _next = [];

    public StateMachine(params ReadOnlySpan<(TState From, TEvent On, TState To)> transitions)
    {
        foreach (var (from, on, to) in transitions)
        {
            if (!_next.TryAdd((from, on), to))
            {
                throw new ArgumentException($"Two transitions from {from} on {on}.", nameof(transitions));
            }
        }

        Transitions = [.. transitions];
    }

    /// <summary>Every legal transition, in the order declared.</summary>
    public IReadOnlyList<(TState From, TEvent On, TState To)> Transitions { get; }

    /// <summary>Where <paramref name="on"/> takes a row in <paramref name="from"/>; null when the transition is refused.</summary>
    public TState? Next(TState from, TEvent on) => _next.TryGetValue((from, on), out var to) ? to : null;

    /// <summary>The states <paramref name="on"/> may move a row out of.</summary>
    public IReadOnlyList<TState> Sources(TEvent on) =>
        [.. Transitions.Where(t => EqualityComparer<TEvent>.Default.Equals(t.On, on)).Select(t => t.From)];

    /// <summary><see cref="Sources"/> as column texts, for <c>status = any(@from)</c>.</summary>
    public string[] SourceTexts(TEvent on) => StatusText.Of(Sources(on));

    /// <summary>The one state <paramref name="on"/> leads to from every source.</summary>
    /// <exception cref="InvalidOperationException">The event leads to different states, or is never legal.</exception>
    public TState Target(TEvent on)
    {
        var targets = Transitions.Where(t => EqualityComparer<TEvent>.Default.Equals(t.On, on)).Select(t => t.To).Distinct().ToList();
        return targets.Count == 1 ? targets[0] : throw new InvalidOperationException($"{on} leads to {targets.Count} states; use Next.");
    }

    /// <summary><see cref="Target"/> as column text, for <c>set status = @to</c>.</summary>
    public string TargetText(TEvent on) => StatusText.Of(Target(on));
}
