import type { ServiceSupervisor } from './service-supervisor.js';

/**
 * When each service starts: a pending service launches once every service it
 * depends on serves, and when one fails for good, every pending service that
 * depends on it, directly or not, is blocked. Counts the services whose
 * startup has not settled yet, so the server knows when it is `running`.
 */
export class StartScheduler {
  #unsettled = 0;
  /** For each service name, the services that depend on it, built at {@link begin}: a service that begins serving starts only those. */
  readonly #dependents = new Map<string, ServiceSupervisor[]>();
  /** {@link begin} has run: a dependency added later goes into the index at once. */
  #begun = false;

  constructor(private readonly supervisors: ReadonlyMap<string, ServiceSupervisor>) {}

  /** True while some service has not yet left `pending`/`starting` for the first time. */
  get settling(): boolean {
    return this.#unsettled > 0;
  }

  /** `dependent` starts once the service named `dependency` serves. */
  addDependency(dependent: ServiceSupervisor, dependency: string): void {
    if (dependent.dependencies.has(dependency)) return;
    dependent.dependencies.add(dependency);
    if (this.#begun) this.#index(dependent, dependency);
  }

  #index(dependent: ServiceSupervisor, dependency: string): void {
    const list = this.#dependents.get(dependency);
    if (list) list.push(dependent);
    else this.#dependents.set(dependency, [dependent]);
  }

  /** Every service begins waiting on its dependencies; those that wait on nothing launch. */
  begin(): void {
    // Indexed in the order the services were added, so dependents start (and are blocked) in that order.
    for (const supervisor of this.supervisors.values()) for (const dependency of supervisor.dependencies) this.#index(supervisor, dependency);
    this.#begun = true;
    this.#unsettled = this.supervisors.size;
    for (const supervisor of this.supervisors.values()) supervisor.begin();
    this.#launchReady(this.supervisors.values());
  }

  /** One service's startup settled; true when that was the last. */
  settled(): boolean {
    this.#unsettled--;
    return this.#unsettled === 0;
  }

  /**
   * `served` began serving: start the pending services waiting on it whose
   * dependencies now all serve. Only its dependents can have become ready to
   * start, so each service that serves costs its own dependents, not a walk
   * of every service (quadratic with 1,000 services).
   */
  launchDependentsOf(served: string): void {
    this.#launchReady(this.#dependents.get(served) ?? []);
  }

  /** Start each of `candidates` that is pending and whose dependencies all serve. */
  #launchReady(candidates: Iterable<ServiceSupervisor>): void {
    for (const supervisor of candidates) {
      if (supervisor.state !== 'pending') continue;
      let serving = true;
      for (const dependency of supervisor.dependencies) serving &&= this.supervisors.get(dependency)?.serving === true;
      if (serving) supervisor.launch();
    }
  }

  /** Mark every pending service that depends, directly or not, on `failed` as blocked (no recursion: chains may be long). */
  blockDependentsOf(failed: string): void {
    const causes = [failed];
    for (let cause = causes.pop(); cause !== undefined; cause = causes.pop()) {
      const blocked = (this.#dependents.get(cause) ?? []).filter((s) => s.state === 'pending');
      for (const supervisor of blocked) supervisor.block(`dependency "${cause}" failed`);
      causes.push(...blocked.map((s) => s.name).reverse());
    }
  }
}
