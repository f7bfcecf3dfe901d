using System.Diagnostics;

namespace DigiUsher.Testing;

/// <summary>
/// A dedicated <c>moto_server</c> on a free port, for tests that need an AWS account of their own
/// (regions full of instances, IAM users, enforced policies). Killed on dispose.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly Process _process;

    private MotoServer(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    /// <param name="freeRequests">
    /// When set, moto enforces SigV4 signatures and IAM policies after this many requests
    /// (<c>INITIAL_NO_AUTH_ACTION_COUNT</c>): spend them creating users and policies.
    /// </param>
    public static async Task<MotoServer> StartAsync(int? freeRequests = null)
    {
        var port = FreePort.Next();
        var info = new ProcessStartInfo("moto_server", ["-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (freeRequests is { } n)
        {
            info.Environment["INITIAL_NO_AUTH_ACTION_COUNT"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("moto_server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var url = $"http://127.0.0.1:{port}";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        // moto's Python start-up took over 30 s at a load average of 75 on two cores.
        var deadline = DateTime.UtcNow.Add(StartTimeout);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"moto_server exited with code {process.ExitCode}.");
            }

            try
            {
                using var response = await http.GetAsync($"{url}/moto-api/");
                if (response.IsSuccessStatusCode)
                {
                    return new MotoServer(process, url);
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"moto_server did not answer within {StartTimeout.TotalSeconds} s.");
    }

    /// <summary>
    /// Stops checking signatures and IAM policies from now on (moto's reset-auth API with an
    /// unreachable count): for a test that needs a refusal first and then moto's signature check
    /// out of the way, which rejects some percent-encoded S3 listings that AWS accepts.
    /// </summary>
    public async Task StopEnforcingAsync()
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync($"{Url}/moto-api/reset-auth", new StringContent("1000000000"));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Clears every resource of this moto (its reset API).</summary>
    public async Task ResetAsync()
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync($"{Url}/moto-api/reset", null);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}
