using DigiUsher.Console.Apis;
using DigiUsher.Console.Session;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace DigiUsher.Console.Components.Shared;

/// <summary>
/// What every interactive page shares: who is signed in, and calls to the APIs whose failures
/// become words on the page (a failed call never throws into the circuit).
/// </summary>
public abstract class ConsolePage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _disposed = new();

    [CascadingParameter]
    protected Task<AuthenticationState>? AuthenticationState { get; set; }

    [Inject]
    protected NavigationManager Navigation { get; set; } = default!;

    [Inject]
    protected TimeProvider Clock { get; set; } = default!;

    protected SignedInUser? User { get; private set; }

    /// <summary>What went wrong in the last call, for people; null when it worked.</summary>
    protected string? Error { get; set; }

    /// <summary>The session ended: the page offers to sign in again and keeps what was typed.</summary>
    protected bool SessionEnded { get; set; }

    protected CancellationToken PageClosed => _disposed.Token;

    protected DateOnly Today => DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);

    /// <summary>This page's address, to come back to after signing in again.</summary>
    protected string ReturnUrl => "/" + Navigation.ToBaseRelativePath(Navigation.Uri);

    protected override async Task OnInitializedAsync()
    {
        if (AuthenticationState is not null)
        {
            User = SignedInUser.From((await AuthenticationState).User);
        }

        await LoadAsync();
    }

    /// <summary>The page's first load (after <see cref="User"/> is known).</summary>
    protected virtual Task LoadAsync() => Task.CompletedTask;

    /// <summary>Runs an API call; on failure sets <see cref="Error"/> (and <see cref="SessionEnded"/>) and returns default.</summary>
    protected async Task<T?> CallAsync<T>(Func<CancellationToken, Task<T>> call)
    {
        try
        {
            var result = await call(PageClosed);
            Error = null;
            return result;
        }
        catch (Exception ex) when (ex is ApiProblemException or ApiUnavailableException or SessionExpiredException or System.Text.Json.JsonException)
        {
            SessionEnded = ex is SessionExpiredException;
            Error = ApiErrorText.For(ex);
            await OnCallFailedAsync(ex);
            return default;
        }
    }

    protected async Task<bool> CallAsync(Func<CancellationToken, Task> call) =>
        await CallAsync(async ct =>
        {
            await call(ct);
            return true;
        });

    /// <summary>Lets a page keep a draft when the session ended.</summary>
    protected virtual Task OnCallFailedAsync(Exception error) => Task.CompletedTask;

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
        GC.SuppressFinalize(this);
    }
}
