using Chattorum.LoadTest;

// A measuring instrument should add as little delay as it can: socket completions run on the thread that saw
// them rather than queueing behind other receivers' work in the thread pool. Read when the first socket is made.
Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
return await LoadCommand.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);

namespace Chattorum.LoadTest
{
    /// <summary><c>dotnet run -c Release --project tools/Chattorum.LoadTest -- [options]</c>: see <see cref="LoadOptionsParser.Usage"/>.</summary>
    internal static class LoadCommand
    {
        public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
        {
            LoadOptions options;
            try
            {
                options = LoadOptionsParser.Parse(args);
            }
            catch (ArgumentException exception)
            {
                await error.WriteLineAsync($"error: {exception.Message}\n\n{LoadOptionsParser.Usage}").ConfigureAwait(false);
                return 2;
            }

            if (options.Help)
            {
                await output.WriteLineAsync(LoadOptionsParser.Usage).ConfigureAwait(false);
                return 0;
            }

            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
            };

            LoadReport report;
            try
            {
                report = await LoadRunner.RunAsync(options, options.JsonOnly ? TextWriter.Null : error, cancel.Token).ConfigureAwait(false);
            }
            catch (ArgumentException exception)
            {
                await error.WriteLineAsync($"error: {exception.Message}").ConfigureAwait(false);
                return 2;
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                await error.WriteLineAsync("error: cancelled").ConfigureAwait(false);
                return 1;
            }
            catch (Exception exception) when (exception is HttpRequestException or InvalidOperationException or OperationCanceledException)
            {
                await error.WriteLineAsync($"error: {exception.Message}").ConfigureAwait(false);
                return 1;
            }

            if (!options.JsonOnly)
            {
                report.WriteSummary(output);
            }

            await output.WriteLineAsync(report.ToJson()).ConfigureAwait(false);
            return report.Passed ? 0 : 1;
        }
    }
}
