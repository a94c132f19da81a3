//! Update calls, inter-canister calls and timers: call contexts and the message queue.
//!
//! Owns call contexts (who is waiting for an answer, how many calls are outstanding), the queue
//! of requests and responses between canisters, and running callbacks and cleanups as separate
//! messages. Must not change how one message executes (`execution`). Invariant: every call
//! context is answered exactly once, by a reply, a reject, or the IC's "did not reply" reject
//! once nothing is outstanding.

use std::collections::{HashMap, VecDeque};

use candid::Principal;

use super::LocalIc;
use crate::execution::{Entry, Executed, Mode, OnSuccess, OutgoingCall, Response};
use crate::limits::{MAX_INGRESS_ARG_BYTES, QUERY_INSTRUCTIONS};
use crate::outcome::{CallError, CallOutcome};
use crate::reject::{ErrorCode, Reject, RejectCode};

type ContextId = u64;
type Answer = Result<Vec<u8>, Reject>;

/// Instructions a call context has spent so far, and the transmission part of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Spent {
    total: u64,
    transmission: u64,
}

#[derive(Debug, Default)]
pub(super) struct Messaging {
    next_context: ContextId,
    contexts: HashMap<ContextId, CallContext>,
    queue: VecDeque<Message>,
    ingress_answers: HashMap<ContextId, (Answer, Spent)>,
}

#[derive(Debug)]
struct CallContext {
    origin: Origin,
    /// Cycles sent with the call that the callee has not accepted (refunded with the answer).
    unaccepted: u128,
    responded: bool,
    outstanding: usize,
    spent: Spent,
}

#[derive(Debug)]
enum Origin {
    Ingress,
    Call { caller: Principal, context: ContextId, call: OutgoingCall },
    Timer,
}

#[derive(Debug)]
enum Message {
    Request { caller: Principal, context: ContextId, call: OutgoingCall },
    Response { caller: Principal, context: ContextId, call: OutgoingCall, answer: Answer, refund: u128 },
}

impl Messaging {
    fn open(&mut self, origin: Origin) -> ContextId {
        let id = self.next_context;
        self.next_context += 1;
        let unaccepted = match &origin {
            Origin::Call { call, .. } => call.cycles,
            Origin::Ingress | Origin::Timer => 0,
        };
        self.contexts.insert(id, CallContext { origin, unaccepted, responded: false, outstanding: 0, spent: Spent::default() });
        id
    }
}

impl LocalIc {
    /// Sends an ingress update call and runs the subnet until it is answered: the canister's
    /// `canister_inspect_message` first (if exported), then the method, then any inter-canister
    /// calls and callbacks it causes.
    pub fn update_call(&mut self, canister: Principal, sender: Principal, method: &str, arg: Vec<u8>) -> Result<CallOutcome, CallError> {
        if arg.len() > MAX_INGRESS_ARG_BYTES {
            return Err(CallError::PayloadTooLarge { size: arg.len(), limit: MAX_INGRESS_ARG_BYTES });
        }
        let (mode, export) = self.target(canister, method, "update")?;
        let inspects = self.canisters.get(&canister).and_then(|c| c.code.as_ref()).is_some_and(|code| code.module().entry_points.inspect_message);
        if inspects {
            self.inspect_message(canister, sender, method, &arg)?;
        }
        let context = self.messaging.open(Origin::Ingress);
        let mut env = self.env(canister, mode, sender, arg);
        let on_success = if mode == Mode::Update { OnSuccess::Commit } else { OnSuccess::Discard };
        if mode == Mode::ReplicatedQuery {
            env.instruction_limit = QUERY_INSTRUCTIONS;
        }
        let executed = self.execute(canister, env, &Entry::Export(export), on_success);
        self.after_execution(canister, context, executed);
        self.run_queue();
        let (answer, spent) = self
            .messaging
            .ingress_answers
            .remove(&context)
            .unwrap_or_else(|| (Err(Reject::did_not_reply(canister)), Spent::default()));
        let reply = answer?;
        let record = self.canisters.get(&canister).ok_or_else(|| Reject::canister_not_found(canister))?;
        Ok(CallOutcome {
            reply_bytes: reply.len(),
            reply,
            instructions: spent.total,
            transmission_instructions: spent.transmission,
            heap_bytes: record.heap_bytes(),
            stable_bytes: record.system.stable.size_bytes(),
        })
    }

    /// Runs due global timers, then every queued inter-canister message.
    pub fn tick(&mut self) {
        let due: Vec<Principal> = self
            .canisters
            .iter()
            .filter(|(_, c)| {
                let timer = c.system.global_timer;
                timer != 0 && timer <= self.time_ns && c.code.as_ref().is_some_and(|code| code.module().entry_points.global_timer)
            })
            .map(|(id, _)| *id)
            .collect();
        for canister in due {
            if let Some(record) = self.canisters.get_mut(&canister) {
                // The timer is deactivated before it runs, and stays so even if the run traps.
                record.system.global_timer = 0;
                record.system.checkpoint();
            }
            let context = self.messaging.open(Origin::Timer);
            let env = self.env(canister, Mode::GlobalTimer, canister, Vec::new());
            let executed = self.execute(canister, env, &Entry::Export("canister_global_timer".into()), OnSuccess::Commit);
            self.after_execution(canister, context, executed);
        }
        self.run_queue();
    }

    /// The mode and export that serve `method` when called as an update (ingress or inter-canister).
    fn target(&self, canister: Principal, method: &str, kind: &str) -> Result<(Mode, String), Reject> {
        let record = self.canisters.get(&canister).ok_or_else(|| Reject::canister_not_found(canister))?;
        let code = record.code.as_ref().ok_or_else(|| Reject::no_wasm_module(canister))?;
        let points = &code.module().entry_points;
        if points.updates.contains(method) {
            Ok((Mode::Update, format!("canister_update {method}")))
        } else if points.queries.contains(method) {
            Ok((Mode::ReplicatedQuery, format!("canister_query {method}")))
        } else if points.composite_queries.contains(method) {
            Err(Reject::from_canister(
                canister,
                ErrorCode::CompositeQueryCalledInReplicatedMode,
                "Composite query cannot be called in replicated mode",
                "composite-query-called-in-replicated-mode",
            ))
        } else {
            Err(Reject::method_not_found(canister, kind, method))
        }
    }

    fn inspect_message(&mut self, canister: Principal, sender: Principal, method: &str, arg: &[u8]) -> Result<(), Reject> {
        let mut env = self.env(canister, Mode::InspectMessage, sender, arg.to_vec());
        env.method = method.to_string();
        env.instruction_limit = QUERY_INSTRUCTIONS;
        let Some(executed) = self.execute(canister, env, &Entry::Export("canister_inspect_message".into()), OnSuccess::Discard) else {
            return Err(Reject::no_wasm_module(canister));
        };
        match executed.trap {
            Some(trap) => Err(trap.to_reject(canister)),
            None if !executed.env.accepted => Err(Reject::inspect_rejected(canister)),
            None => Ok(()),
        }
    }

    fn execute(&mut self, canister: Principal, env: crate::execution::Env, entry: &Entry, on_success: OnSuccess) -> Option<Executed> {
        let record = self.canisters.get_mut(&canister)?;
        let code = record.code.as_mut()?;
        let persists = env.mode.persists() && on_success == OnSuccess::Commit;
        let executed = code.run(&mut record.system, env, entry, on_success);
        if executed.trap.is_none() && persists {
            record.cycles = executed.env.cycle_balance;
            self.certificates.clear();
        }
        Some(executed)
    }

    /// Books a finished message in its call context: answers, outgoing calls, instructions.
    fn after_execution(&mut self, canister: Principal, context: ContextId, executed: Option<Executed>) {
        let Some(executed) = executed else {
            self.settle(context, canister, None);
            return;
        };
        let (mode, response, trap) = (executed.env.mode, executed.env.response, executed.trap);
        if let Some(ctx) = self.messaging.contexts.get_mut(&context) {
            ctx.spent.total += executed.instructions;
            ctx.spent.transmission += executed.transmission_instructions;
            if trap.is_none() {
                ctx.outstanding += executed.env.performed_calls.len();
                if mode == Mode::Update {
                    ctx.unaccepted = executed.env.cycles_available;
                }
            }
        }
        if trap.is_none() {
            for call in executed.env.performed_calls {
                self.messaging.queue.push_back(Message::Request { caller: canister, context, call });
            }
        }
        let answer = match (response, &trap) {
            (Some(Response::Reply(bytes)), _) => Some(Ok(bytes)),
            (Some(Response::Reject(message)), _) => Some(Err(Reject::by_canister(message))),
            (None, Some(trap)) => Some(Err(trap.to_reject(canister))).filter(|_| self.nothing_outstanding(context)),
            (None, None) => None,
        };
        self.settle(context, canister, answer);
    }

    fn nothing_outstanding(&self, context: ContextId) -> bool {
        self.messaging.contexts.get(&context).is_none_or(|ctx| ctx.outstanding == 0)
    }

    /// Delivers `answer` if the context is still open, or "did not reply" once nothing is
    /// outstanding; closes the context when it is answered and has no calls in flight.
    fn settle(&mut self, context: ContextId, canister: Principal, answer: Option<Answer>) {
        let Some(ctx) = self.messaging.contexts.get_mut(&context) else { return };
        let answer = match answer {
            Some(answer) if !ctx.responded => Some(answer),
            None if !ctx.responded && ctx.outstanding == 0 => Some(Err(Reject::did_not_reply(canister))),
            _ => None,
        };
        if let Some(answer) = answer {
            ctx.responded = true;
            let spent = ctx.spent;
            match &ctx.origin {
                Origin::Ingress => {
                    self.messaging.ingress_answers.insert(context, (answer, spent));
                }
                Origin::Call { caller, context: caller_context, call } => {
                    let message = Message::Response {
                        caller: *caller,
                        context: *caller_context,
                        call: call.clone(),
                        answer,
                        refund: ctx.unaccepted,
                    };
                    self.messaging.queue.push_back(message);
                }
                Origin::Timer => {}
            }
        }
        if let Some(ctx) = self.messaging.contexts.get(&context) {
            if ctx.responded && ctx.outstanding == 0 {
                self.messaging.contexts.remove(&context);
            }
        }
    }

    fn run_queue(&mut self) {
        while let Some(message) = self.messaging.queue.pop_front() {
            match message {
                Message::Request { caller, context, call } => self.deliver_request(caller, context, call),
                Message::Response { caller, context, call, answer, refund } => {
                    self.deliver_response(caller, context, call, answer, refund)
                }
            }
        }
    }

    fn deliver_request(&mut self, caller: Principal, caller_context: ContextId, call: OutgoingCall) {
        let callee = call.callee;
        let context = self.messaging.open(Origin::Call { caller, context: caller_context, call: call.clone() });
        let (mode, export) = match self.target(callee, &call.method, "update") {
            Ok(target) => target,
            Err(reject) => {
                let reject = if self.canisters.contains_key(&callee) {
                    reject
                } else {
                    Reject { code: RejectCode::DestinationInvalid, ..reject }
                };
                self.settle(context, callee, Some(Err(reject)));
                return;
            }
        };
        let mut env = self.env(callee, mode, caller, call.payload);
        env.cycles_available = call.cycles;
        if mode == Mode::ReplicatedQuery {
            env.instruction_limit = QUERY_INSTRUCTIONS;
        }
        let on_success = if mode == Mode::Update { OnSuccess::Commit } else { OnSuccess::Discard };
        let executed = self.execute(callee, env, &Entry::Export(export), on_success);
        self.after_execution(callee, context, executed);
    }

    fn deliver_response(&mut self, caller: Principal, context: ContextId, call: OutgoingCall, answer: Answer, refund: u128) {
        if let Some(record) = self.canisters.get_mut(&caller) {
            record.cycles = record.cycles.saturating_add(refund);
        }
        let Some(ctx) = self.messaging.contexts.get_mut(&context) else { return };
        ctx.outstanding = ctx.outstanding.saturating_sub(1);
        let (responded, spent) = (ctx.responded, ctx.spent.total);
        let (mode, closure, arg, reject) = match answer {
            Ok(reply) => (Mode::ReplyCallback, call.on_reply, reply, (0, String::new())),
            Err(reject) => (Mode::RejectCallback, call.on_reject, Vec::new(), (reject.code as u32, reject.message)),
        };
        let mut env = self.env(caller, mode, call.callee, arg);
        env.reject = Some(reject);
        env.cycles_refunded = refund;
        env.context_responded = responded;
        env.context_instructions = spent;
        let executed = self.execute(caller, env, &Entry::Callback(closure), OnSuccess::Commit);
        if let (Some(cleanup), Some(true)) = (call.on_cleanup, executed.as_ref().map(|e| e.trap.is_some())) {
            let mut env = self.env(caller, Mode::Cleanup, call.callee, Vec::new());
            env.context_responded = true;
            // A trapping cleanup is dropped, as on the IC; the callback's trap stands.
            self.execute(caller, env, &Entry::Callback(cleanup), OnSuccess::Commit);
        }
        self.after_execution(caller, context, executed);
    }
}
