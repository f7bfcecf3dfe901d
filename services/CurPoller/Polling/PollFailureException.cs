namespace DigiUsher.CurPoller.Polling;

/// <summary>A poll that cannot go on, with a reason a person can act on and the denied AWS action, if any.</summary>
public sealed class PollFailureException(string reason, string? deniedAction = null, Exception? inner = null) : Exception(reason, inner)
{
    public string? DeniedAction { get; } = deniedAction;
}
