using System.Diagnostics;

namespace Chattorum.Deploy;

/// <summary>
/// Runs the AppHost's Aspire manifest publisher (<c>--publisher manifest --output-path FILE</c>), which writes the app model
/// as JSON in a few seconds without starting anything.
/// </summary>
internal static class AspireManifestPublisher
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Publishes the manifest to <paramref name="outputPath"/>. <paramref name="appHost"/> is the AppHost's project file
    /// (run with <c>dotnet run</c>, which builds it first) or its built assembly (run with <c>dotnet</c>, as the tests do).
    /// The launch profile is not used, so the Development environment's user secrets do not leak into the manifest.
    /// </summary>
    public static async Task PublishAsync(string appHost, string outputPath, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        if (appHost.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            start.WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(appHost))!;
            start.ArgumentList.Add(Path.GetFullPath(appHost));
        }
        else
        {
            start.ArgumentList.Add("run");
            start.ArgumentList.Add("--project");
            start.ArgumentList.Add(appHost);
            start.ArgumentList.Add("--no-launch-profile");
            start.ArgumentList.Add("--");
        }

        foreach (var argument in new[] { "--publisher", "manifest", "--output-path", Path.GetFullPath(outputPath) })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The AppHost manifest publisher did not finish within {Timeout.TotalMinutes} minutes.");
        }

        if (process.ExitCode != 0 || !File.Exists(outputPath))
        {
            throw new InvalidOperationException(
                $"The AppHost manifest publisher failed (exit code {process.ExitCode}): " +
                $"dotnet {string.Join(' ', start.ArgumentList)}\n{await stdout.ConfigureAwait(false)}{await stderr.ConfigureAwait(false)}");
        }
    }
}
