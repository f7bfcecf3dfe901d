using System.Globalization;

namespace DigiUsher.Testing.Aws;

/// <summary>
/// What the end-to-end tests start from: a dedicated moto holding a seeded AWS account (<see cref="AwsAccount"/>)
/// whose CUR bucket holds last month's report (<see cref="CurMonth"/>), delivered before any service runs.
/// </summary>
public sealed class DeliveredMonth : IAsyncDisposable
{
    private DeliveredMonth(MotoServer moto, AwsAccount account, CurMonth month)
    {
        Moto = moto;
        Account = account;
        Month = month;
    }

    public MotoServer Moto { get; }

    public AwsAccount Account { get; }

    public CurMonth Month { get; }

    /// <summary>The month's first day.</summary>
    public DateOnly From => DateOnly.Parse(Month.From, CultureInfo.InvariantCulture);

    /// <summary>The month's last day.</summary>
    public DateOnly To => DateOnly.Parse(Month.To, CultureInfo.InvariantCulture);

    /// <summary>
    /// Starts moto, seeds the account and uploads last month's report, of <paramref name="files"/> files each billing
    /// every resource-day <paramref name="copies"/> times (<see cref="CurMonth"/>).
    /// </summary>
    public static async Task<DeliveredMonth> StartAsync(int files = 1, int copies = 1)
    {
        var moto = await MotoServer.StartAsync();
        try
        {
            var account = new AwsAccount(moto.Url);
            await account.SeedAsync();
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            var month = new CurMonth(account.Resources, "123456789012", new DateOnly(today.Year, today.Month, 1).AddMonths(-1), files, copies);
            await month.UploadAsync(moto.Url, account.CurBucket);
            return new DeliveredMonth(moto, account, month);
        }
        catch
        {
            await moto.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => Moto.DisposeAsync();
}
